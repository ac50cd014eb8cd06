namespace ActorRouter.Packets.Tests;

/// <summary>The hot path allocates nothing: parsing every layer and decrementing the TTL.</summary>
public class AllocationTests
{
    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void ParsingAndDecrementingTtlAllocateNothing()
    {
        byte[] udp = Frames.Udp(new VlanTci(10));
        byte[] icmp = PacketBuilder.IcmpEchoRequest(Frames.HostMac, Frames.RouterMac, Frames.HostIp, Frames.RemoteIp, 1, 2, Frames.Payload);
        byte[] arp = PacketBuilder.ArpRequest(Frames.HostMac, Frames.HostIp, Frames.RemoteIp);
        byte[] large = Frames.Udp(ip: new Ipv4Fields { Ttl = 255 });

        long checksum = Forward(udp, icmp, arp, large, 1000); // warm-up: JIT and tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Forward(udp, icmp, arp, large, 100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }

    private static long Forward(byte[] udp, byte[] icmp, byte[] arp, byte[] large, int iterations)
    {
        long work = 0;
        for (int i = 0; i < iterations; i++)
        {
            work += ForwardOne(udp) + ForwardOne(icmp) + ForwardOne(large);
            if (EthernetHeader.TryParse(arp, out EthernetHeader ethernet) && ArpPacket.TryParse(ethernet.Payload, out ArpPacket request))
            {
                work += request.TargetProtocolAddress + (long)request.SenderHardwareAddress.Value;
            }

            work += InternetChecksum.Compute(large) + InternetChecksum.Sum(udp, 5);
        }

        return work;
    }

    private static long ForwardOne(Span<byte> frame)
    {
        if (!EthernetHeader.TryParse(frame, out EthernetHeader ethernet) || ethernet.PayloadEtherType != EtherTypes.Ipv4)
        {
            return 0;
        }

        if (!Ipv4Header.TryParse(ethernet.Payload, out Ipv4Header ip) || !ip.IsChecksumValid)
        {
            return 0;
        }

        if (ip.Ttl <= 1)
        {
            ip.Ttl = 255;
            ip.UpdateChecksum();
        }

        long work = ip.DecrementTtl() + ip.Destination;
        if (ip.Protocol == IpProtocols.Udp && UdpHeader.TryParse(ip.Payload, out UdpHeader udp))
        {
            work += udp.DestinationPort;
        }
        else if (ip.Protocol == IpProtocols.Icmp && IcmpHeader.TryParse(ip.Payload, out IcmpHeader icmp))
        {
            work += icmp.Identifier;
        }

        return work;
    }
}

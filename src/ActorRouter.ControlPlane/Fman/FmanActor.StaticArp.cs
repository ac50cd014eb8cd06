using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>
/// <c>arp ADDRESS MAC</c> and <c>no arp ADDRESS</c> as part of the running configuration: FMAN keeps
/// the list (so that <c>show running-config</c> and <c>write memory</c> carry it); the ARP actor is
/// told separately and owns the entries themselves.
/// </summary>
public sealed partial class FmanActor
{
    private void ReceiveStaticArp()
    {
        Receive<SetStaticArp>(OnSetStaticArp);
        Receive<RemoveStaticArp>(OnRemoveStaticArp);
    }

    private void OnSetStaticArp(SetStaticArp m)
    {
        var address = Ipv4Text.Format(m.Entry.Address);
        if (Ipv4Rules.WhyNotUnicast(m.Entry.Address) is { } why)
        {
            Sender.Tell(new CommandFailed($"arp {address}: the address {why}"));
            return;
        }
        if (m.Entry.Mac == 0 || MacText.IsMulticast(m.Entry.Mac))
        {
            Sender.Tell(new CommandFailed($"arp {address}: {MacText.Format(m.Entry.Mac)} is not a unicast MAC address"));
            return;
        }
        if (State.Interfaces.Values.FirstOrDefault(i => i.Config.Ipv4?.Address == m.Entry.Address) is { } own)
        {
            Sender.Tell(new CommandFailed($"arp {address}: {address} is {own.Config.Name}'s own address"));
            return;
        }
        var others = State.StaticArp.RemoveAll(e => e.Address == m.Entry.Address);
        State = State with { StaticArp = others.Add(m.Entry) };
        Sender.Tell(new CommandSucceeded($"arp {address} {MacText.Format(m.Entry.Mac)}"));
    }

    private void OnRemoveStaticArp(RemoveStaticArp m)
    {
        var address = Ipv4Text.Format(m.Address);
        if (!State.StaticArp.Any(e => e.Address == m.Address))
        {
            Sender.Tell(new CommandFailed($"no static ARP entry for {address}"));
            return;
        }
        State = State with { StaticArp = State.StaticArp.RemoveAll(e => e.Address == m.Address) };
        Sender.Tell(new CommandSucceeded($"no arp {address}"));
    }
}

/// <summary>Adds or replaces a static ARP entry in the running configuration; answered with CommandSucceeded or CommandFailed.</summary>
public sealed record SetStaticArp(StaticArpEntry Entry);

/// <summary>Removes a static ARP entry from the running configuration; answered with CommandSucceeded or CommandFailed.</summary>
public sealed record RemoveStaticArp(uint Address);

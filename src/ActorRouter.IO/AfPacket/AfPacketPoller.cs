using System.Runtime.InteropServices;
using ActorRouter.IO.Native;

namespace ActorRouter.IO.AfPacket;

/// <summary>
/// Where an Rx thread sleeps when its AF_PACKET ports are idle: one poll() over every port's
/// <see cref="AfPacketVnicPort.PollFd"/> plus an eventfd that <see cref="Wake"/> makes readable.
/// </summary>
/// <remarks>
/// The Rx loop: receive bursts while any port has frames; when a pass finds nothing, take a last
/// look with <see cref="AfPacketVnicPort.HasReceived"/> on each port, then call
/// <see cref="Wait"/> with a bounded timeout (so heartbeats keep going). Frames that arrive between
/// the last look and poll() make the socket readable, so poll() returns at once — no wake-up is
/// lost. Stop and command requests from other threads call <see cref="Wake"/>.
/// Only the owning Rx thread calls <see cref="Wait"/>; any thread may call <see cref="Wake"/>.
/// </remarks>
public sealed unsafe class AfPacketPoller : IDisposable
{
    /// <summary>poll() set limit of the shim (32) minus the eventfd.</summary>
    public const int MaxPorts = 31;

    private readonly int* _fds;
    private readonly int _portCount;
    private int _eventFd;

    public AfPacketPoller(IReadOnlyList<AfPacketVnicPort> ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        if (ports.Count > MaxPorts)
        {
            throw new ArgumentOutOfRangeException(nameof(ports), ports.Count, $"one poller watches at most {MaxPorts} ports");
        }
        var eventFd = NativeShim.EventFdCreate();
        if (eventFd < 0)
        {
            throw new IOException($"cannot create the Rx wake-up eventfd: {NativeShim.ErrnoText(-eventFd)}");
        }
        _eventFd = eventFd;
        _portCount = ports.Count;
        _fds = (int*)NativeMemory.Alloc((nuint)(ports.Count + 1), sizeof(int));
        for (var i = 0; i < ports.Count; i++)
        {
            _fds[i] = ports[i].PollFd;
        }
        _fds[ports.Count] = eventFd;
    }

    public int PortCount => _portCount;

    /// <summary>True when the last <see cref="Wait"/> returned because of <see cref="Wake"/>.</summary>
    public bool WokenByRequest { get; private set; }

    /// <summary>
    /// Sleeps until a port has frames, <see cref="Wake"/> is called, or
    /// <paramref name="timeoutMilliseconds"/> pass (-1: no limit). Returns a mask with bit i set
    /// when port i is readable (0 on timeout or wake-up). Allocates nothing.
    /// </summary>
    public uint Wait(int timeoutMilliseconds)
    {
        var rc = NativeShim.Poll(_fds, _portCount + 1, timeoutMilliseconds, out var mask);
        if (rc < 0)
        {
            throw new IOException($"poll() on {_portCount} AF_PACKET ports failed: {NativeShim.ErrnoText(-rc)}");
        }
        var wakeBit = 1u << _portCount;
        WokenByRequest = (mask & wakeBit) != 0;
        if (WokenByRequest)
        {
            NativeShim.EventFdClear(_eventFd);
        }
        return mask & (wakeBit - 1);
    }

    /// <summary>Makes the sleeping (or next) <see cref="Wait"/> return at once. Any thread.</summary>
    public void Wake() => NativeShim.EventFdSignal(_eventFd);

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _eventFd, -1);
        if (fd < 0)
        {
            return;
        }
        NativeShim.FdClose(fd);
        NativeMemory.Free(_fds);
    }
}

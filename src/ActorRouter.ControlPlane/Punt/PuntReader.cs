using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.DataPlane.Counters;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>Per-reason counts of what the punt reader took from the data plane and what became of it.</summary>
/// <param name="Icmpv6">ICMPv6 to the router that the ICMPv6 responder took (echo requests and neighbour solicitations).</param>
public sealed record PuntCounterSnapshot(long Taken, long Arp, long Glean, long ForUs, long IcmpEcho, long Unhandled, long HandlerFaults, long Icmpv6 = 0)
{
    /// <summary>The counters under the names <c>show platform punt</c> prints.</summary>
    public IReadOnlyList<(string Name, long Value)> Named =>
    [
        ("punt-taken", Taken),
        ("punt-arp", Arp),
        ("punt-glean", Glean),
        ("punt-for-us", ForUs),
        ("punt-icmp-echo", IcmpEcho),
        ("punt-unhandled", Unhandled),
        ("punt-handler-faults", HandlerFaults),
        ("punt-icmpv6", Icmpv6),
    ];
}

/// <summary>
/// The control plane's end of the punt path: a dedicated background thread (actors do not read
/// rings) that sleeps on the punt port the QFP client lent it, takes punted buffers in bursts, hands each
/// to the handler for its reason on this same thread — ARP and glean to the <see cref="ArpResponder"/>,
/// echo requests to the router to the <see cref="IcmpEchoResponder"/>, ICMPv6 echo and neighbour solicitations to the
/// <see cref="Icmpv6Responder"/> — and gives every buffer
/// back to GPM. What no handler wants (UDP to the router, limited broadcasts, …) is counted as
/// unhandled. Flood protection is the data plane's punt rate limiter; this thread only counts.
/// </summary>
public sealed class PuntReader : IDisposable
{
    public const int DefaultBurst = 64;
    private const int IdleSleepMilliseconds = 100;
    private readonly IPuntPort _port;
    private readonly ArpResponder _arp;
    private readonly IcmpEchoResponder _icmp;
    private readonly Icmpv6Responder? _icmpv6;
    private readonly IgmpResponder? _igmp;
    private readonly IForUsHandler? _forUsHandler;
    private readonly uint[] _buffers;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private long _taken;
    private long _arpCount;
    private long _gleanCount;
    private long _forUs;
    private long _icmpEcho;
    private long _unhandled;
    private long _handlerFaults;
    private long _icmpv6Count;

    /// <param name="forUs">Asked about "for us" frames no responder took, before they are counted as unhandled.</param>
    public PuntReader(IPuntPort port, ArpResponder arp, IcmpEchoResponder icmp, int burst = DefaultBurst, Icmpv6Responder? icmpv6 = null, IgmpResponder? igmp = null,
        IForUsHandler? forUs = null)
    {
        _igmp = igmp;
        _forUsHandler = forUs;
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _port = port;
        _arp = arp;
        _icmp = icmp;
        _icmpv6 = icmpv6;
        _buffers = new uint[burst];
    }

    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>The last exception a handler threw (the buffer was still released and the loop went on).</summary>
    public Exception? LastFault { get; private set; }

    public PuntCounterSnapshot Counters => new(
        Volatile.Read(ref _taken), Volatile.Read(ref _arpCount), Volatile.Read(ref _gleanCount), Volatile.Read(ref _forUs),
        Volatile.Read(ref _icmpEcho), Volatile.Read(ref _unhandled), Volatile.Read(ref _handlerFaults),
        Volatile.Read(ref _icmpv6Count));

    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("the punt reader is already started");
        }
        _stopRequested = false;
        _thread = new Thread(Run) { IsBackground = true, Name = "punt-reader" };
        _thread.Start();
    }

    /// <summary>Stops the thread; true when it ended within <paramref name="timeout"/>. Call before the data plane is disposed.</summary>
    public bool Stop(TimeSpan? timeout = null)
    {
        var thread = _thread;
        if (thread is null)
        {
            return true;
        }
        _stopRequested = true;
        _port.WakeReader();
        var ended = thread.Join(timeout ?? TimeSpan.FromSeconds(5));
        if (ended)
        {
            _thread = null;
        }
        return ended;
    }

    public void Dispose() => Stop();

    private void Run()
    {
        while (!_stopRequested)
        {
            var n = _port.Take(_buffers);
            if (n == 0)
            {
                _port.WaitForPunted(IdleSleepMilliseconds);
                continue;
            }
            try
            {
                for (var i = 0; i < n; i++)
                {
                    Dispatch(_buffers[i]);
                }
            }
            finally
            {
                _port.Release(_buffers.AsSpan(0, n));
                Count(ref _taken, n);
            }
        }
    }

    private void Dispatch(uint buffer)
    {
        try
        {
            var packet = _port.Read(buffer);
            var rx = packet.RxInterface;
            switch (packet.Reason)
            {
                case PuntReason.Arp:
                    Count(ref _arpCount, 1);
                    _arp.HandleArp(rx, packet.Frame);
                    break;
                case PuntReason.Glean:
                    Count(ref _gleanCount, 1);
                    // An IPv6 glean carries the interface to solicit on (the address is in the frame) or an incomplete adjacency's id.
                    if (_icmpv6 is null || !_icmpv6.HandleGlean(packet.NextHop, packet.Frame))
                    {
                        _arp.HandleGlean(packet.NextHop);
                    }
                    break;
                case PuntReason.ForUs:
                    Count(ref _forUs, 1);
                    if (_icmp.TryHandle(rx, packet.Frame))
                    {
                        Count(ref _icmpEcho, 1);
                    }
                    else if (_icmpv6 is not null && _icmpv6.TryHandle(rx, packet.Frame))
                    {
                        Count(ref _icmpv6Count, 1);
                    }
                    else if (_igmp is not null && _igmp.TryHandle(rx, packet.Frame))
                    {
                        // IGMP (multicast routing on): the IGMP actor learns group members from it.
                    }
                    else if (_forUsHandler is not null && _forUsHandler.TryHandle(rx, packet.Frame))
                    {
                        // Counted by the handler.
                    }
                    else
                    {
                        Count(ref _unhandled, 1);
                    }
                    break;
                default:
                    Count(ref _unhandled, 1);
                    break;
            }
        }
        catch (Exception e)
        {
            // One bad packet must not stop the punt path; the buffer is released by the caller.
            LastFault = e;
            Count(ref _handlerFaults, 1);
        }
    }

    // Single writer (this thread); readers on other threads see whole values.
    private static void Count(ref long counter, long n) => Volatile.Write(ref counter, counter + n);
}

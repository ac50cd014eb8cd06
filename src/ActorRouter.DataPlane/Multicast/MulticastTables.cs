namespace ActorRouter.DataPlane.Multicast;

/// <summary>
/// One multicast forwarding entry as the PPEs use it: (S,G) when <see cref="Source"/> is set, (*,G) when it is 0;
/// packets must arrive on <see cref="Incoming"/> (the RPF check) and are copied to every interface of
/// <see cref="Outgoing"/> except the one they came in on.
/// </summary>
public sealed class MulticastEntry
{
    public MulticastEntry(uint source, uint group, ushort incoming, ushort[] outgoing)
    {
        Source = source;
        Group = group;
        Incoming = incoming;
        Outgoing = outgoing;
    }

    public uint Source { get; }
    public uint Group { get; }
    public ushort Incoming { get; }

    /// <summary>uIDB indexes of the outgoing interfaces, configured and learned, without duplicates.</summary>
    public ushort[] Outgoing { get; }

    public bool IsSourceSpecific => Source != 0;
}

/// <summary>
/// The multicast forwarding snapshot the PPEs read for a burst: whether <c>ip multicast-routing</c> is on, and
/// the entries by (S,G) and (*,G). Immutable; a change publishes a new one with one reference swap.
/// Lookup is a dictionary probe on a 64-bit key (no allocation): (S,G) first, then (*,G).
/// </summary>
public sealed class MulticastTables
{
    /// <summary>Most outgoing interfaces one entry may have: one packet's copies must fit the graph's frames (a burst × the most buffers one packet becomes).</summary>
    public const int MaxOutgoingInterfaces = 32;

    public static readonly MulticastTables Disabled = new(false, []);

    private readonly Dictionary<ulong, MulticastEntry> _entries;

    public MulticastTables(bool routing, IReadOnlyList<MulticastEntry> entries)
    {
        Routing = routing;
        Entries = entries;
        _entries = new Dictionary<ulong, MulticastEntry>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.Outgoing.Length > MaxOutgoingInterfaces)
            {
                throw new ArgumentException($"multicast entry for {entry.Group:X8}: {entry.Outgoing.Length} outgoing interfaces, at most {MaxOutgoingInterfaces}");
            }
            if (!_entries.TryAdd(Key(entry.Source, entry.Group), entry))
            {
                throw new ArgumentException($"multicast entry for source {entry.Source:X8} group {entry.Group:X8} given twice");
            }
        }
    }

    /// <summary><c>ip multicast-routing</c>: off, ip4-input drops every multicast destination as it always did.</summary>
    public bool Routing { get; }

    public IReadOnlyList<MulticastEntry> Entries { get; }

    /// <summary>The entry for a packet from <paramref name="source"/> to <paramref name="group"/>: (S,G) if there is one, else (*,G), else null.</summary>
    public MulticastEntry? Find(uint source, uint group)
    {
        if (_entries.Count == 0)
        {
            return null;
        }
        if (_entries.TryGetValue(Key(source, group), out var specific))
        {
            return specific;
        }
        return _entries.TryGetValue(Key(0, group), out var any) ? any : null;
    }

    private static ulong Key(uint source, uint group) => ((ulong)source << 32) | group;
}

/// <summary>Holds the multicast snapshot in force; the PPE nodes read <see cref="Current"/> once per burst.</summary>
public sealed class MulticastDatabase
{
    private volatile MulticastTables _current = MulticastTables.Disabled;

    public MulticastTables Current => _current;

    public void Publish(MulticastTables tables) => _current = tables;
}

using System.Globalization;
using System.Text;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Fleet.LinkState;

/// <summary>
/// One router's entry as the text the replicated database holds (a string travels with Akka's own primitive
/// serializer; no polymorphic serializer is needed between members):
/// <c>SEQUENCE;CONNECTED,…;NEIGHBOR@ADDRESS*COST,…;SHARED,…</c>, for example
/// <c>7;198.51.100.0/24,192.0.2.0/30;r2@192.0.2.2*1;203.0.113.0/24</c>. Router names carry letters, digits,
/// <c>.</c>, <c>_</c> and <c>-</c> only (the fleet configuration's rule), so the separators never occur in them.
/// </summary>
public static class LinkStateCodec
{
    public static string Encode(LinkStateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = new StringBuilder();
        text.Append(entry.Sequence.ToString(CultureInfo.InvariantCulture)).Append(';');
        AppendPrefixes(text, entry.Connected);
        text.Append(';');
        for (int i = 0; i < entry.Adjacencies.Count; i++)
        {
            var adjacency = entry.Adjacencies[i];
            text.Append(i == 0 ? "" : ",").Append(adjacency.Neighbor).Append('@').Append(Ipv4Text.Format(adjacency.NeighborAddress))
                .Append('*').Append(adjacency.Cost.ToString(CultureInfo.InvariantCulture));
        }
        text.Append(';');
        AppendPrefixes(text, entry.SharedStaticRoutes);
        return text.ToString();
    }

    /// <summary>Reads <paramref name="text"/> as <paramref name="router"/>'s entry; null with <paramref name="error"/> when it is not one.</summary>
    public static LinkStateEntry? TryDecode(string router, string text, out string? error)
    {
        error = null;
        var fields = text.Split(';');
        if (fields.Length != 4)
        {
            error = $"{fields.Length} fields, expected 4";
            return null;
        }
        if (!long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
        {
            error = $"sequence '{fields[0]}' is not a number";
            return null;
        }
        var connected = ParsePrefixes(fields[1], ref error);
        var shared = ParsePrefixes(fields[3], ref error);
        var adjacencies = new List<LinkStateAdjacency>();
        foreach (var item in Items(fields[2]))
        {
            int at = item.IndexOf('@', StringComparison.Ordinal);
            int star = item.IndexOf('*', StringComparison.Ordinal);
            if (at <= 0 || star < at
                || !Ipv4Text.TryParse(item[(at + 1)..star], out uint address)
                || !int.TryParse(item[(star + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int cost) || cost < 1)
            {
                error ??= $"adjacency '{item}' is not NEIGHBOR@ADDRESS*COST";
                continue;
            }
            adjacencies.Add(new LinkStateAdjacency(item[..at], address, cost));
        }
        return error is null ? new LinkStateEntry(router, sequence, connected, adjacencies, shared) : null;
    }

    private static void AppendPrefixes(StringBuilder text, IReadOnlyList<Ipv4Cidr> prefixes)
    {
        for (int i = 0; i < prefixes.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(prefixes[i].ToString());
        }
    }

    private static List<Ipv4Cidr> ParsePrefixes(string field, ref string? error)
    {
        var prefixes = new List<Ipv4Cidr>();
        foreach (var item in Items(field))
        {
            if (item.Contains('/', StringComparison.Ordinal) && Ipv4Cidr.TryParse(item, out var prefix))
            {
                prefixes.Add(prefix);
            }
            else
            {
                error ??= $"prefix '{item}' is not A.B.C.D/L";
            }
        }
        return prefixes;
    }

    private static string[] Items(string field) => field.Length == 0 ? [] : field.Split(',');
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using ActorRouter.DataPlane.Fib;

namespace ActorRouter.Benchmarks;

/// <summary>
/// A reproducible table shaped like today's IPv6 internet table, and a lookup key stream over it (splitmix64 only, so
/// the same count gives the same table and keys everywhere).
/// </summary>
/// <remarks>
/// Shape (per million routes, after the public BGP table reports): about half /48, an eighth /32, then /29, /44,
/// /40, /36, /46, /47 and a thin spread of the rest from /19 to /64. Prefixes come from the registries' /12 blocks
/// (RIPE 2a00::/12 the largest, then APNIC 2400::/12, ARIN 2600::/12, 2001::/16, LACNIC 2800::/12, AFRINIC
/// 2c00::/12) and cluster as the real table does: every route longer than /32 is carved out of one of the
/// provider allocations (/29../32), some of which announce many more-specifics.
/// </remarks>
public static class Ipv6InternetTable
{
    public const ulong RouteSeed = 0x524F55544536; // "ROUTE6"
    public const ulong KeySeed = 0x5EED6;

    private static readonly (int Length, int PerMillion)[] LengthWeights =
    [
        (19, 100), (20, 300), (22, 100), (24, 200), (28, 500), (29, 65_000), (30, 6_000), (31, 4_000), (32, 125_000),
        (33, 8_000), (34, 8_000), (35, 5_000), (36, 35_000), (37, 3_000), (38, 5_000), (39, 4_000), (40, 60_000),
        (41, 3_000), (42, 6_000), (43, 3_000), (44, 75_000), (45, 8_000), (46, 22_000), (47, 25_000),
        (56, 2_000), (64, 1_000),
        // /48 takes the rest (524,800).
    ];

    private static readonly (ulong Block, int BlockLength, int PerMille)[] Blocks =
    [
        (0x2a00, 12, 350), (0x2400, 12, 220), (0x2600, 12, 220), (0x2001, 16, 100), (0x2800, 12, 80), (0x2c00, 12, 20), (0x2a10, 12, 10),
    ];

    /// <summary>The first <paramref name="count"/> routes, distinct by (prefix, length), next hops 1..64.</summary>
    public static Ipv6Route[] Routes(int count)
    {
        var random = new SplitMix64(RouteSeed);
        // Provider allocations: the parents of every longer prefix, about one per four routes.
        var allocations = new UInt128[Math.Max(16, count / 4)];
        for (int i = 0; i < allocations.Length; i++)
        {
            int length = random.Next() % 4 == 0 ? 29 : 32;
            allocations[i] = InBlock(ref random) & Ipv6Route.Mask(length);
        }
        var seen = new HashSet<(UInt128, int)>(count);
        var routes = new Ipv6Route[count];
        for (int i = 0; i < count; i++)
        {
            int length = DrawLength(random.Next() % 1_000_000);
            uint nextHop = 1 + (uint)(random.Next() >> 58);
            UInt128 prefix;
            int attempt = 0;
            do
            {
                if (length > 32)
                {
                    // A more-specific inside an allocation; squaring the draw makes a few allocations carry many.
                    double u = (random.Next() >> 11) * (1.0 / (1UL << 53));
                    var parent = allocations[(int)(u * u * allocations.Length)];
                    UInt128 low = ((UInt128)random.Next() << 64) | random.Next();
                    prefix = (parent | (low & ~Ipv6Route.Mask(32))) & Ipv6Route.Mask(length);
                }
                else if (length >= 29 && attempt < 8)
                {
                    // Allocation-sized: an allocation as announced (or its covering /29../31).
                    prefix = allocations[random.Next() % (ulong)allocations.Length] & Ipv6Route.Mask(length);
                }
                else
                {
                    // An aggregate of a registry block.
                    prefix = InBlock(ref random) & Ipv6Route.Mask(length);
                }
                attempt++;
            }
            while (!seen.Add((prefix, length)));
            routes[i] = new Ipv6Route(prefix, length, nextHop);
        }
        return routes;
    }

    /// <summary>
    /// key[0..count) as 16 network-order bytes each: nine in ten an address inside a random route of the table
    /// (random host bits), one in ten a random address of 2000::/3 (mostly a miss).
    /// </summary>
    public static byte[] Keys(Ipv6Route[] routes, int count)
    {
        var random = new SplitMix64(KeySeed);
        var keys = new byte[count * 16];
        for (int i = 0; i < count; i++)
        {
            UInt128 address;
            UInt128 bits = ((UInt128)random.Next() << 64) | random.Next();
            if (random.Next() % 10 != 0)
            {
                var route = routes[random.Next() % (ulong)routes.Length];
                address = route.Prefix | (bits & ~Ipv6Route.Mask(route.Length));
            }
            else
            {
                address = (bits >> 3) | ((UInt128)1 << 125);
            }
            BinaryPrimitives.WriteUInt128BigEndian(keys.AsSpan(i * 16, 16), address);
        }
        return keys;
    }

    /// <summary>SHA-256 over the routes as "prefix/length nexthop\n" lines: the table's fingerprint.</summary>
    public static string Fingerprint(Ipv6Route[] routes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in routes)
        {
            sha.AppendData(System.Text.Encoding.ASCII.GetBytes($"{Ipv6Route.Format(r.Prefix)}/{r.Length} {r.NextHopId}\n"));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Routes per prefix length.</summary>
    public static SortedDictionary<int, int> LengthHistogram(Ipv6Route[] routes)
    {
        var histogram = new SortedDictionary<int, int>();
        foreach (var r in routes)
        {
            histogram[r.Length] = histogram.GetValueOrDefault(r.Length) + 1;
        }
        return histogram;
    }

    private static int DrawLength(ulong u)
    {
        ulong cumulative = 0;
        foreach (var (length, weight) in LengthWeights)
        {
            cumulative += (ulong)weight;
            if (u < cumulative)
            {
                return length;
            }
        }
        return 48;
    }

    private static UInt128 InBlock(ref SplitMix64 random)
    {
        ulong pick = random.Next() % 1000;
        ulong cumulative = 0;
        foreach (var (block, blockLength, perMille) in Blocks)
        {
            cumulative += (ulong)perMille;
            if (pick < cumulative)
            {
                UInt128 high = (UInt128)block << 112;
                UInt128 rest = ((UInt128)random.Next() << 64) | random.Next();
                return high | (rest & ~Ipv6Route.Mask(blockLength));
            }
        }
        throw new InvalidOperationException("block weights do not add up to 1000");
    }

    /// <summary>splitmix64 (see ../shared/bench/README.md).</summary>
    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            _state += 0x9E3779B97F4A7C15;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}

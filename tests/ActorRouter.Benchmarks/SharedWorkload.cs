namespace ActorRouter.Benchmarks;

/// <summary>The shared benchmark workload of ../shared/bench (see its README): where it is and its key stream.</summary>
public static class SharedWorkload
{
    /// <summary>Seed of the lookup key stream.</summary>
    public const ulong KeySeed = 0x5EED;

    /// <summary>
    /// The directory holding routes-1m.txt and routes-10k.txt: ../shared/bench relative to the repository root, the
    /// first folder above the running assembly that contains ActorRouter.sln.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No repository root or no bench folder next to it.</exception>
    public static string BenchDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ActorRouter.sln")))
                {
                    string bench = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "bench"));
                    return Directory.Exists(bench)
                        ? bench
                        : throw new DirectoryNotFoundException(
                            $"The shared benchmark workload is not at {bench} (../shared/bench next to the repository root {dir.FullName}).");
                }
            }
            throw new DirectoryNotFoundException(
                $"No folder containing ActorRouter.sln above {AppContext.BaseDirectory}; cannot locate ../shared/bench.");
        }
    }

    /// <summary>The path of a file in <see cref="BenchDirectory"/>, which must exist.</summary>
    public static string BenchFile(string name)
    {
        string path = Path.Combine(BenchDirectory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Shared benchmark file {path} is missing.", path);
    }

    /// <summary>key[0..count): the low 32 bits of successive splitmix64 outputs from seed 0x5EED, host-order IPv4 addresses.</summary>
    public static uint[] Keys(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var keys = new uint[count];
        ulong state = KeySeed;
        for (int i = 0; i < keys.Length; i++)
        {
            state += 0x9E3779B97F4A7C15;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            keys[i] = (uint)(z ^ (z >> 31));
        }
        return keys;
    }
}

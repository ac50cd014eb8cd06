namespace ActorRouter.DataPlane.Tests.Fib;

/// <summary>Locates the shared benchmark workload (../shared/bench next to the repository root) and its key stream.</summary>
internal static class SharedBench
{
    public static string File(string name)
    {
        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !System.IO.File.Exists(Path.Combine(root.FullName, "ActorRouter.sln")))
        {
            root = root.Parent;
        }
        Assert.True(root is not null, $"No folder containing ActorRouter.sln above {AppContext.BaseDirectory}.");
        string path = Path.GetFullPath(Path.Combine(root!.FullName, "..", "shared", "bench", name));
        Assert.True(System.IO.File.Exists(path),
            $"Shared benchmark file {path} is missing; the FIB workload tests need ../shared/bench next to the repository root.");
        return path;
    }

    /// <summary>The splitmix64 key stream of the bench README: seed 0x5EED, low 32 bits of each output.</summary>
    public static uint[] Keys(int count)
    {
        var keys = new uint[count];
        ulong state = 0x5EED;
        for (int i = 0; i < count; i++)
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

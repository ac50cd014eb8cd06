using ActorRouter.IO.Native;

namespace ActorRouter.IO.Tests;

public class NativeShimTests
{
    [Fact]
    public void Library_built_by_the_dotnet_build_loads_and_reports_its_abi()
    {
        Assert.Equal(NativeShim.ExpectedAbiVersion, NativeShim.AbiVersion);
        NativeShim.EnsureCompatible();
    }

    [Fact]
    public void Library_version_matches_the_cmake_project_version()
    {
        var cmakeLists = File.ReadAllText(Path.Combine(RepoPaths.Root, "native", "CMakeLists.txt"));
        var match = System.Text.RegularExpressions.Regex.Match(cmakeLists, @"project\(actorrouter_native VERSION (\d+)\.(\d+)\.(\d+)");
        Assert.True(match.Success, "CMakeLists.txt declares no project version");
        var expected = new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
        Assert.Equal(expected, NativeShim.LibraryVersion);
    }
}

internal static class RepoPaths
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ActorRouter.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new DirectoryNotFoundException("ActorRouter.sln not found above " + AppContext.BaseDirectory);
        }
    }
}

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

    [Fact]
    public unsafe void An_eventfd_wakes_poll_until_cleared()
    {
        var fd = NativeShim.EventFdCreate();
        Assert.True(fd >= 0, $"eventfd: {NativeShim.ErrnoText(-fd)}");
        try
        {
            var fds = stackalloc int[1] { fd };
            Assert.Equal(0, NativeShim.Poll(fds, 1, 0, out var idle));
            Assert.Equal(0u, idle);

            Assert.Equal(0, NativeShim.EventFdSignal(fd));
            Assert.Equal(1, NativeShim.Poll(fds, 1, 1000, out var ready));
            Assert.Equal(1u, ready);

            Assert.Equal(0, NativeShim.EventFdClear(fd));
            Assert.Equal(0, NativeShim.Poll(fds, 1, 0, out _));
            Assert.Equal(0, NativeShim.EventFdClear(fd)); // clearing an unset eventfd is harmless
        }
        finally
        {
            Assert.Equal(0, NativeShim.FdClose(fd));
        }
    }

    [Fact]
    public unsafe void Shim_calls_report_errors_as_negative_errno_and_tolerate_a_null_port()
    {
        Assert.Equal(-22, NativeShim.Poll(null, 33, 0, out _)); // EINVAL: more than 32 descriptors
        Assert.Equal(-22, NativeShim.PortOpen("lo", 64, 64, 1000, NativeShim.ModeLatency, out var port)); // frame size not a power of two
        Assert.Equal(0, port);
        Assert.Equal(-36, NativeShim.PortOpen("a-name-longer-than-15", 64, 64, 2048, NativeShim.ModeLatency, out _)); // ENAMETOOLONG
        Assert.Equal(-9, NativeShim.PortTxFlush(0)); // EBADF
        Assert.Equal(0, NativeShim.PortRxPending(0));
        NativeShim.PortClose(0);
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

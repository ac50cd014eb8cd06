using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary><c>write memory</c>: the running configuration replaces its file atomically and survives a restart.</summary>
public sealed class WriteMemoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("arctl-write-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string ConfigFile()
    {
        var path = Path.Combine(_directory, "router.conf");
        File.WriteAllText(path, RouterConfigLoader.ReadEmbeddedDefaultText());
        return path;
    }

    [Fact]
    public async Task Write_memory_saves_the_changes_to_the_start_file_and_a_router_restarted_on_it_has_them()
    {
        var path = ConfigFile();
        await using (var router = await InProcessRouter.StartAsync(configPath: path))
        {
            Assert.Equal(0, (await router.ArctlAsync("ip", "route", "10.99.0.0/16", "198.51.100.10")).ExitCode);
            Assert.Equal(0, (await router.ArctlAsync("interface", "gi2", "mtu", "1400")).ExitCode);

            var write = await router.ArctlAsync("write", "memory");

            Assert.Equal(0, write.ExitCode);
            Assert.Equal([$"wrote the running configuration to {path} ({new FileInfo(path).Length} bytes)"], write.Lines);
            Assert.Equal([path], Directory.GetFiles(_directory));
        }

        await using (var restarted = await InProcessRouter.StartAsync(configPath: path))
        {
            Assert.Contains("S        10.99.0.0/16 [1/0] via 198.51.100.10, GigabitEthernet2", (await restarted.ArctlAsync("show", "ip", "route")).Lines);
            Assert.Equal("  MTU 1400 bytes", (await restarted.ArctlAsync("show", "interfaces", "gi2")).Lines[3]);
            Assert.Equal($"# running configuration; the router was started from {path}", (await restarted.ArctlAsync("show", "running-config")).Lines[0]);
        }
    }

    [Fact]
    public async Task Write_memory_path_on_the_embedded_default_writes_a_file_that_loads()
    {
        var path = Path.Combine(_directory, "saved.conf");
        await using var router = await InProcessRouter.StartAsync();
        Assert.Equal(0, (await router.ArctlAsync("interface", "gi1", "shutdown")).ExitCode);

        var write = await router.ArctlAsync("write", "memory", path);

        Assert.Equal(0, write.ExitCode);
        var saved = RouterConfigLoader.LoadFile(path);
        Assert.True(saved.Interfaces.Single(i => i.Name == "GigabitEthernet1").Shutdown);
        var notConf = await router.ArctlAsync("write", "memory", Path.Combine(_directory, "notes.txt"));
        Assert.Equal(1, notConf.ExitCode);
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task A_failure_between_writing_the_temporary_file_and_the_rename_leaves_the_old_file_byte_identical()
    {
        var path = ConfigFile();
        var before = File.ReadAllBytes(path);
        string? tempSeen = null;
        var failing = new ConfigFileWriter(temp =>
        {
            tempSeen = temp;
            // The new text is complete on disk at this point; the crash comes before it replaces the file.
            Assert.Contains("10.99.0.0/16", File.ReadAllText(temp));
            throw new IOException("injected failure before the rename");
        });
        await using var router = await InProcessRouter.StartAsync(configPath: path, writer: failing);
        Assert.Equal(0, (await router.ArctlAsync("ip", "route", "10.99.0.0/16", "198.51.100.10")).ExitCode);

        var write = await router.ArctlAsync("write", "memory");

        Assert.Equal(1, write.ExitCode);
        Assert.Equal("% injected failure before the rename", write.Stderr.TrimEnd());
        Assert.NotNull(tempSeen);
        Assert.Equal(_directory, Path.GetDirectoryName(tempSeen));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void The_writer_replaces_the_content_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_directory, "x.conf");
        File.WriteAllText(path, "old");

        var bytes = new ConfigFileWriter().Write(path, "new text\n");

        Assert.Equal(9, bytes);
        Assert.Equal("new text\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_missing_directory_is_an_error_that_writes_nothing()
    {
        var path = Path.Combine(_directory, "no-such-dir", "x.conf");

        var error = Assert.Throws<DirectoryNotFoundException>(() => new ConfigFileWriter().Write(path, "text"));

        Assert.Contains("no-such-dir", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }
}

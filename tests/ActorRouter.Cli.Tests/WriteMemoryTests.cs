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
        var config = InProcessRouter.EmbeddedDefault();
        await using var router = await InProcessRouter.StartAsync(config with { Control = config.Control with { ConfigDirectory = _directory } });
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
    public async Task Write_memory_path_on_the_embedded_default_without_a_configuration_directory_is_refused()
    {
        await using var router = await InProcessRouter.StartAsync();

        var write = await router.ArctlAsync("write", "memory", Path.Combine(_directory, "saved.conf"));

        Assert.Equal(1, write.ExitCode);
        Assert.Equal("% write memory PATH needs a configuration directory: the router was started on its embedded default and actorrouter.control.config-directory is not set", write.Stderr.TrimEnd());
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public async Task Write_memory_outside_the_configuration_directory_is_refused_and_writes_nothing()
    {
        var path = ConfigFile();
        var outside = Directory.CreateTempSubdirectory("arctl-outside-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(_directory, "escape"), outside);
            File.CreateSymbolicLink(Path.Combine(_directory, "linked.conf"), Path.Combine(outside, "linked.conf"));
            await using var router = await InProcessRouter.StartAsync(configPath: path);
            Assert.False(File.Exists("/etc/x.conf"), "/etc/x.conf exists before the test");

            var absolute = await router.ArctlAsync("write", "memory", "/etc/x.conf");
            var parent = await router.ArctlAsync("write", "memory", "../x.conf");
            var dotted = await router.ArctlAsync("write", "memory", $"{_directory}/sub/../../x.conf");
            var throughLink = await router.ArctlAsync("write", "memory", "escape/x.conf");
            var linkItself = await router.ArctlAsync("write", "memory", "linked.conf");

            Assert.Equal((1, $"% '/etc/x.conf' is outside the configuration directory {_directory}; write memory writes only there or to the start file"),
                (absolute.ExitCode, absolute.Stderr.TrimEnd()));
            Assert.Equal((1, $"% '../x.conf' contains '..'; write memory writes only inside {_directory}"), (parent.ExitCode, parent.Stderr.TrimEnd()));
            Assert.Equal(1, dotted.ExitCode);
            Assert.Equal((1, $"% 'escape/x.conf' leads out of the configuration directory {_directory} through a symbolic link"),
                (throughLink.ExitCode, throughLink.Stderr.TrimEnd()));
            Assert.Equal((1, $"% {_directory}/linked.conf is a symbolic link; write memory does not write through links"),
                (linkItself.ExitCode, linkItself.Stderr.TrimEnd()));
            Assert.False(File.Exists("/etc/x.conf"));
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_directory)!, "x.conf")));
            Assert.Empty(Directory.GetFileSystemEntries(outside));
            Assert.Equal([path], Directory.GetFiles(_directory).Where(f => new FileInfo(f).LinkTarget is null));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Write_memory_relative_path_lands_in_the_configuration_directory_as_a_new_file_of_mode_0600()
    {
        var path = ConfigFile();
        await using var router = await InProcessRouter.StartAsync(configPath: path);

        var write = await router.ArctlAsync("write", "memory", "backup.conf");

        var backup = Path.Combine(_directory, "backup.conf");
        Assert.Equal([$"wrote the running configuration to {backup} ({new FileInfo(backup).Length} bytes)"], write.Lines);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
    }

    [SkippableFact]
    public async Task The_written_file_keeps_the_mode_and_owner_of_the_file_it_replaces()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "giving a file to another owner needs root");
        var path = ConfigFile();
        var nobody = (UserId: 65534, GroupId: 65534);
        ActorRouter.ControlPlane.Credentials.UnixAccounts.SetOwner(path, nobody.UserId, nobody.GroupId);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, mode);
        await using var router = await InProcessRouter.StartAsync(configPath: path);
        Assert.Equal(0, (await router.ArctlAsync("interface", "gi2", "mtu", "1400")).ExitCode);

        var write = await router.ArctlAsync("write", "memory");

        Assert.Equal(0, write.ExitCode);
        Assert.Contains("mtu = 1400", File.ReadAllText(path));
        Assert.Equal(mode, File.GetUnixFileMode(path));
        Assert.Equal(nobody, ActorRouter.ControlPlane.Credentials.UnixAccounts.Owner(path));
    }

    [Fact]
    public async Task The_key_password_appears_nowhere_only_its_reference()
    {
        const string Secret = "s3cret-Pa55-do-not-show";
        var secretFile = Path.Combine(_directory, "key-password");
        File.WriteAllText(secretFile, Secret + "\n");
        var path = Path.Combine(_directory, "router.conf");
        File.WriteAllText(path, RouterConfigLoader.ReadEmbeddedDefaultText() + $"\nactorrouter.control.key-password.password-file = \"{secretFile}\"\n");
        await using var router = await InProcessRouter.StartAsync(configPath: path);

        var running = await router.ArctlAsync("show", "running-config");
        var json = await router.ArctlAsync("show", "running-config", "--json");
        var write = await router.ArctlAsync("write", "memory");

        Assert.Equal(0, running.ExitCode);
        Assert.Contains(running.Lines, l => l.Trim() == $"password-file = \"{secretFile}\"");
        Assert.Equal(0, write.ExitCode);
        foreach (var text in new[] { running.Stdout, running.Stderr, json.Stdout, write.Stdout, File.ReadAllText(path), router.HostOutput })
        {
            Assert.DoesNotContain(Secret, text);
        }
        Assert.Contains("password-file", File.ReadAllText(path));
        // The password is real: the CA key on disk cannot be read without it.
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() =>
            System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(router.StateDirectory, "ca.p12"), null));
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

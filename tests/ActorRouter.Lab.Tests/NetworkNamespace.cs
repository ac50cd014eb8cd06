using System.Runtime.InteropServices;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// Creates sockets inside a named network namespace from this process: a socket belongs for life to
/// the namespace its creating thread was in, so a short-lived thread enters the namespace, creates
/// the socket and ends. The test's own threads never change namespace.
/// </summary>
internal static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    public static T Run<T>(string ns, Func<T> create)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                // setns into a network namespace acts on the calling thread alone.
                using var target = File.OpenHandle($"/var/run/netns/{ns}");
                if (SetNs((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({ns}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"creating a socket in {ns} did not finish");
        }
        return failure is null ? result! : throw new InvalidOperationException(failure.Message, failure);
    }
}

/// <summary>A TCP byte stream between two namespaces, for checking that what left arrived whole.</summary>
internal static class TcpStream
{
    /// <summary>
    /// Sends <paramref name="payload"/> from a socket in <paramref name="fromNs"/> to a listener on <paramref name="toAddress"/>
    /// in <paramref name="toNs"/>; returns the byte count and SHA-256 (hex) of what the listener received.
    /// </summary>
    public static (long Length, string Sha256) Send(string fromNs, string toNs, string toAddress, byte[] payload)
    {
        var address = System.Net.IPAddress.Parse(toAddress);
        using var listener = NetworkNamespace.Run(toNs, () =>
        {
            var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            socket.Bind(new System.Net.IPEndPoint(address, 0));
            socket.Listen(1);
            return socket;
        });
        var port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        var receiving = Task.Run(() =>
        {
            using var peer = listener.Accept();
            peer.ReceiveTimeout = 10_000;
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buffer = new byte[65536];
            long total = 0;
            int n;
            while ((n = peer.Receive(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
            }
            return (total, Convert.ToHexString(hash.GetHashAndReset()));
        });
        using (var sender = NetworkNamespace.Run(fromNs, () => new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)))
        {
            sender.SendTimeout = 10_000;
            sender.Connect(new System.Net.IPEndPoint(address, port));
            sender.Send(payload);
            sender.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            if (!receiving.Wait(TimeSpan.FromSeconds(20)))
            {
                throw new Xunit.Sdk.XunitException("the stream did not finish");
            }
        }
        return receiving.Result;
    }
}

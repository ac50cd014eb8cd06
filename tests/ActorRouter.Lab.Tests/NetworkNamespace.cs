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

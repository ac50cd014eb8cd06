using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Vnic;

/// <summary>
/// The cheap wake-up between a producer and a thread that sleeps when idle. The sleeper announces
/// itself before its last look for work, so producers pay a system call only when somebody is
/// actually asleep; a producer that races the announcement at worst makes the sleeper wake at once.
/// On Linux the signal is an eventfd, so a sleeper can wait in one poll() on it and on the file
/// descriptors of its ports (AF_PACKET rings) together.
/// </summary>
public sealed partial class WakeSignal : IDisposable
{
    private const int EfdNonBlock = 0x800;
    private const int EfdCloexec = 0x80000;
    private const short PollIn = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "eventfd")]
    private static partial int EventFd(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "write")]
    private static unsafe partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read")]
    private static unsafe partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    private readonly ManualResetEventSlim? _event;
    private readonly int _eventFd = -1;
    private int _sleeping;
    private int _disposed;

    public WakeSignal()
    {
        if (OperatingSystem.IsLinux())
        {
            _eventFd = EventFd(0, EfdNonBlock | EfdCloexec);
        }
        if (_eventFd < 0)
        {
            _event = new ManualResetEventSlim(false, spinCount: 0);
        }
    }

    /// <summary>The eventfd behind the signal, or -1 where there is none.</summary>
    public int FileDescriptor => _eventFd;

    /// <summary>Producer side: wakes the sleeper if it is (about to be) asleep.</summary>
    public void Notify()
    {
        if (Volatile.Read(ref _sleeping) != 0)
        {
            Wake();
        }
    }

    /// <summary>Sleeper side, step one: announce the intent to sleep (a full fence follows).</summary>
    public void PrepareToSleep() => Interlocked.Exchange(ref _sleeping, 1);

    /// <summary>Sleeper side, step two (after a last look found nothing): sleep until notified,
    /// until one of <paramref name="alsoWakeOn"/> is readable, or until the timeout.</summary>
    public unsafe void Sleep(int timeoutMilliseconds, ReadOnlySpan<int> alsoWakeOn = default)
    {
        if (_eventFd >= 0)
        {
            var count = 1 + Math.Min(alsoWakeOn.Length, 63);
            var fds = stackalloc PollFd[count];
            fds[0] = new PollFd { Fd = _eventFd, Events = PollIn };
            for (var i = 1; i < count; i++)
            {
                fds[i] = new PollFd { Fd = alsoWakeOn[i - 1], Events = PollIn };
            }
            Poll(fds, (nuint)count, timeoutMilliseconds);
            ulong value;
            Read(_eventFd, &value, sizeof(ulong)); // non-blocking: clears a pending wake, if any
        }
        else
        {
            _event!.Wait(timeoutMilliseconds);
            _event.Reset();
        }
        Volatile.Write(ref _sleeping, 0);
    }

    /// <summary>Sleeper side: a last look found work; stay awake.</summary>
    public void CancelSleep() => Volatile.Write(ref _sleeping, 0);

    /// <summary>Wakes the sleeper unconditionally (stop, commands).</summary>
    public unsafe void Wake()
    {
        if (_eventFd >= 0)
        {
            ulong one = 1;
            Write(_eventFd, &one, sizeof(ulong));
        }
        else
        {
            _event!.Set();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_eventFd >= 0)
        {
            Close(_eventFd);
        }
        _event?.Dispose();
    }
}

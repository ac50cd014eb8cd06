namespace ActorRouter.DataPlane.Vnic;

/// <summary>
/// The cheap wake-up between a producer and a thread that sleeps when idle. The sleeper announces
/// itself before its last look for work, so producers pay a kernel call only when somebody is
/// actually asleep; a producer that races the announcement at worst makes the sleeper wake at once.
/// </summary>
public sealed class WakeSignal : IDisposable
{
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private int _sleeping;

    /// <summary>Producer side: wakes the sleeper if it is (about to be) asleep.</summary>
    public void Notify()
    {
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _event.Set();
        }
    }

    /// <summary>Sleeper side, step one: announce the intent to sleep (a full fence follows).</summary>
    public void PrepareToSleep() => Interlocked.Exchange(ref _sleeping, 1);

    /// <summary>Sleeper side, step two (after a last look found nothing): sleep until notified or timed out.</summary>
    public void Sleep(int timeoutMilliseconds)
    {
        _event.Wait(timeoutMilliseconds);
        _event.Reset();
        Volatile.Write(ref _sleeping, 0);
    }

    /// <summary>Sleeper side: a last look found work; stay awake.</summary>
    public void CancelSleep() => Volatile.Write(ref _sleeping, 0);

    /// <summary>Wakes the sleeper unconditionally (stop, commands).</summary>
    public void Wake() => _event.Set();

    public void Dispose() => _event.Dispose();
}

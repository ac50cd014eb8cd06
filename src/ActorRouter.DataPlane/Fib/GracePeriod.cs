namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// The readers of a table (the PPE threads) as a grace-period source: each reader has an epoch that is odd while
/// it is inside a read section (a burst) and even between sections.
/// </summary>
public interface IReaderEpochs
{
    /// <summary>Every reader's epoch now.</summary>
    long[] Capture();

    /// <summary>True when every reader has left the read section it was in when <paramref name="captured"/> was taken.</summary>
    bool AllQuiescentSince(long[] captured);
}

/// <summary>
/// One reader's epoch for a thread that is not a data-plane worker (tests, benchmarks): call <see cref="Enter"/>
/// before reading a table and <see cref="Exit"/> after, on the reading thread.
/// </summary>
public sealed class ReaderEpoch
{
    private long _epoch;

    public long Value => Interlocked.Read(ref _epoch);

    public void Enter() => Interlocked.Increment(ref _epoch);

    public void Exit() => Interlocked.Increment(ref _epoch);

    /// <summary>True if the reader has left every section it was in when <paramref name="epoch"/> was read.</summary>
    public bool IsQuiescentSince(long epoch)
    {
        long now = Value;
        return (now & 1) == 0 || now > epoch;
    }
}

/// <summary>A fixed set of <see cref="ReaderEpoch"/>s as an <see cref="IReaderEpochs"/>.</summary>
public sealed class ReaderEpochSet(params ReaderEpoch[] readers) : IReaderEpochs
{
    public long[] Capture()
    {
        var epochs = new long[readers.Length];
        for (int i = 0; i < readers.Length; i++)
        {
            epochs[i] = readers[i].Value;
        }
        return epochs;
    }

    public bool AllQuiescentSince(long[] captured)
    {
        for (int i = 0; i < readers.Length; i++)
        {
            if (!readers[i].IsQuiescentSince(captured[i]))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>
/// Decides when a table slot the single writer has unlinked (a tbl8 group, an adjacency id) may be reused: only
/// after every reader has been quiescent since the unlink, so no reader still reads the slot's old meaning.
/// </summary>
/// <remarks>
/// The writer stamps each retired slot with <see cref="Retire"/> after unlinking it and calls <see cref="Seal"/>
/// once the operation's unlinks are all done: that captures the readers' epochs after the last unlink and opens
/// the next stamp. A slot is reusable once its stamp is at most <see cref="Poll"/>'s answer. Without readers
/// (nothing runs the table concurrently) every sealed stamp is reusable at once. Writer-side only, not thread-safe.
/// </remarks>
public sealed class GracePeriod
{
    private readonly IReaderEpochs? _readers;
    private readonly Queue<(long Stamp, long[]? Epochs)> _sealed = new();
    private long _open = 1;
    private bool _openUsed;
    private long _safe;

    /// <param name="readers">The readers to wait for; null when no reader runs concurrently with the writer.</param>
    public GracePeriod(IReaderEpochs? readers = null) => _readers = readers;

    /// <summary>The stamp for a slot unlinked now.</summary>
    public long Retire()
    {
        _openUsed = true;
        return _open;
    }

    /// <summary>Ends the current stamp: the readers' epochs are captured now, after the slots it covers were unlinked.</summary>
    public void Seal()
    {
        if (!_openUsed)
        {
            return;
        }
        _sealed.Enqueue((_open, _readers?.Capture()));
        _open++;
        _openUsed = false;
    }

    /// <summary>The highest stamp whose slots every reader has passed; slots with a stamp at most this may be reused.</summary>
    public long Poll()
    {
        while (_sealed.TryPeek(out var entry) && (entry.Epochs is null || _readers!.AllQuiescentSince(entry.Epochs)))
        {
            _safe = entry.Stamp;
            _sealed.Dequeue();
        }
        return _safe;
    }

    /// <summary>Stamps sealed but not yet passed by every reader.</summary>
    public int Pending => _sealed.Count;
}

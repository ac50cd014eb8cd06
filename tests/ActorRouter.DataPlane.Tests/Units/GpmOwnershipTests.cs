using ActorRouter.DataPlane.Memory;

namespace ActorRouter.DataPlane.Tests.Units;

/// <summary>
/// The double-free detector: the same class in both builds (tested here in Release), wired into GPM and the
/// thread caches only in Debug builds (the last test, skipped with its reason in Release).
/// </summary>
public class GpmOwnershipTests
{
    [Fact]
    public void Every_buffer_starts_free_and_a_take_then_a_free_is_clean()
    {
        var ownership = new GpmOwnership(130);
        Assert.All(Enumerable.Range(0, 130), i => Assert.True(ownership.IsFree((uint)i)));

        ownership.Taken(129, BufferOwner.Rx);
        Assert.False(ownership.IsFree(129));
        Assert.True(ownership.IsFree(128));
        ownership.Freed(129, BufferOwner.Hqf);
        Assert.True(ownership.IsFree(129));
    }

    [Fact]
    public void A_second_free_is_detected_with_the_buffer_and_its_owner_tag()
    {
        var ownership = new GpmOwnership(64);
        ownership.Taken(7, BufferOwner.Ppe);
        ownership.Freed(7, BufferOwner.Ppe);

        var e = Assert.Throws<GpmOwnershipException>(() => ownership.Freed(7, BufferOwner.ThreadCache));

        Assert.Equal("double free of GPM buffer 7 (owner tag ThreadCache): it was free already", e.Message);
        Assert.True(ownership.IsFree(7));
    }

    [Fact]
    public void A_buffer_handed_out_twice_and_an_index_out_of_range_are_detected()
    {
        var ownership = new GpmOwnership(64);
        ownership.Taken(3, BufferOwner.Driver);

        Assert.Equal("GPM buffer 3 was handed out twice (to Rx) without being freed in between",
            Assert.Throws<GpmOwnershipException>(() => ownership.Taken(3, BufferOwner.Rx)).Message);
        Assert.Equal("GPM buffer index 64 is out of range (0..63)",
            Assert.Throws<GpmOwnershipException>(() => ownership.Freed(64, BufferOwner.Ppe)).Message);
    }

#if DEBUG
    [Fact]
#else
    [Fact(Skip = "Debug builds only: GPM and the thread caches call the detector only in Debug builds (Release compiles the hooks out of the per-packet path)")]
#endif
    public void Debug_builds_throw_at_a_double_free_through_a_thread_cache_or_the_pool()
    {
        using var gpm = new PacketMemory(1024, 2048, 128);
        var cache = new GpmCache(gpm, 64);
        Assert.True(cache.TryAllocate(out var buffer));
        cache.Free(buffer);

        var e = Assert.Throws<GpmOwnershipException>(() => cache.Free(buffer));
        Assert.Equal($"double free of GPM buffer {buffer} (owner tag ThreadCache): it was free already", e.Message);

        var taken = new uint[2];
        Assert.Equal(2, gpm.AllocateBulk(taken, BufferOwner.ControlPlane));
        gpm.FreeBulk(taken.AsSpan(0, 1));
        Assert.Throws<GpmOwnershipException>(() => gpm.FreeBulk(taken.AsSpan(0, 1)));
        gpm.FreeBulk(taken.AsSpan(1));
        cache.Drain();
        Assert.True(gpm.ReadAccounting().AllFree);
    }
}

using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Tests.Units;

public class RingAndMemoryTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Ring_size_must_be_a_power_of_two(int size)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRing(size));
        Assert.Contains("power of two", ex.Message);
    }

    [Fact]
    public void Ring_bursts_wrap_around_in_order_and_refuse_beyond_capacity()
    {
        using var ring = new SpscRing(8);
        Span<uint> output = stackalloc uint[8];
        uint next = 0, expected = 0;
        for (var round = 0; round < 50; round++)
        {
            var batch = new uint[5];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = next++;
            }
            Assert.Equal(5, ring.EnqueueBurst(batch));
            Assert.Equal(5, ring.Count);
            Assert.Equal(3, ring.EnqueueBurst(new uint[] { 900, 901, 902, 903 }));
            Assert.Equal(8, ring.Count);
            Assert.Equal(8, ring.DequeueBurst(output));
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(expected++, output[i]);
            }
            Assert.Equal(new uint[] { 900, 901, 902 }, output[5..8].ToArray());
            Assert.True(ring.IsEmpty);
            Assert.Equal(0, ring.DequeueBurst(output));
        }
    }

    [Fact]
    public void Ring_delivers_every_entry_once_in_order_between_two_threads()
    {
        var ring = new SpscRing(64);
        const int total = 2_000_000;
        var stop = false;
        var producer = new Thread(() =>
        {
            var batch = new uint[7];
            uint next = 0;
            while (next < total && !Volatile.Read(ref stop))
            {
                var n = (int)Math.Min(batch.Length, total - next);
                for (var i = 0; i < n; i++)
                {
                    batch[i] = next + (uint)i;
                }
                var done = 0;
                while (done < n && !Volatile.Read(ref stop))
                {
                    var put = ring.EnqueueBurst(batch.AsSpan(done, n - done));
                    done += put;
                    if (put == 0)
                    {
                        // Full: let the consumer run (on a loaded machine both threads may share one core).
                        Thread.Yield();
                    }
                }
                next += (uint)n;
            }
        });
        producer.Start();
        var output = new uint[13];
        uint expected = 0;
        try
        {
            var deadline = Environment.TickCount64 + 120_000;
            while (expected < total && Environment.TickCount64 < deadline)
            {
                var n = ring.DequeueBurst(output);
                if (n == 0)
                {
                    Thread.Yield();
                }
                for (var i = 0; i < n; i++)
                {
                    Assert.Equal(expected++, output[i]);
                }
            }
        }
        finally
        {
            // The ring's memory is native: never free it under a producer that still writes to it.
            Volatile.Write(ref stop, true);
            producer.Join();
            ring.Dispose();
        }
        Assert.Equal((uint)total, expected);
    }

    [Fact]
    public void Gpm_hands_out_each_buffer_once_and_reports_exhaustion_as_a_short_allocation()
    {
        using var gpm = new PacketMemory(256, 2048, 128);
        var first = new uint[200];
        var second = new uint[100];
        Assert.Equal(200, gpm.AllocateBulk(first, BufferOwner.Rx));
        Assert.Equal(56, gpm.AllocateBulk(second, BufferOwner.Hqf));
        Assert.Equal(0, gpm.AllocateBulk(new uint[4], BufferOwner.Rx));
        Assert.Equal(256, first.Concat(second.Take(56)).Distinct().Count());
        var accounting = gpm.ReadAccounting();
        Assert.Equal(200, accounting.Held(BufferOwner.Rx));
        Assert.Equal(56, accounting.Held(BufferOwner.Hqf));
        Assert.Equal(0, accounting.InPool);

        gpm.FreeBulk(first);
        gpm.FreeBulk(second.AsSpan(0, 56));
        Assert.True(gpm.ReadAccounting().AllFree);
    }

    [Fact]
    public void Gpm_buffers_are_aligned_disjoint_and_keep_headroom()
    {
        using var gpm = new PacketMemory(16, 2048, 128);
        var buffers = new uint[16];
        gpm.AllocateBulk(buffers, BufferOwner.Rx);
        unsafe
        {
            Assert.Equal(0, (long)gpm.BufferPointer(0) % 4096);
            Assert.Equal(2048, (long)(gpm.BufferPointer(1) - gpm.BufferPointer(0)));
        }
        gpm.ResetMeta(buffers[0], 60, BufferOwner.Rx);
        Assert.Equal(128, gpm.Meta(buffers[0]).Offset);
        Assert.Equal(60, gpm.Frame(buffers[0]).Length);
        Assert.Equal(2048 - 128, gpm.MaxFrameLength);
        gpm.FreeBulk(buffers);
    }

    [Fact]
    public void Pool_survives_concurrent_allocation_and_release_without_losing_a_buffer()
    {
        using var gpm = new PacketMemory(4096, 256, 0);
        var threads = new Thread[4];
        for (var t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                var cache = new GpmCache(gpm, 64);
                var held = new uint[48];
                for (var round = 0; round < 20_000; round++)
                {
                    var n = cache.AllocateBurst(held);
                    cache.FreeBurst(held.AsSpan(0, n));
                }
                cache.Drain();
            });
            threads[t].Start();
        }
        foreach (var t in threads)
        {
            Assert.True(t.Join(30000));
        }
        var accounting = gpm.ReadAccounting();
        Assert.True(accounting.AllFree, accounting.ToString());
        var all = new uint[4096];
        Assert.Equal(4096, gpm.AllocateBulk(all, BufferOwner.Rx));
        Assert.Equal(4096, all.Distinct().Count());
    }
}

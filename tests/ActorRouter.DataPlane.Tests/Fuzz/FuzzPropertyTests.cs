using ActorRouter.Benchmarks.Fuzz;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ActorRouter.DataPlane.Tests.Fuzz;

/// <summary>
/// The fuzz rig, bounded: a few thousand structure-aware mutated frames per seed through the whole
/// in-memory pipeline (the benchmark case <c>fuzz N</c> runs millions). FsCheck picks the seeds and,
/// on a failure, reports the seed that reproduces it.
/// </summary>
public class FuzzPropertyTests
{
    [Property(MaxTest = 4)]
    public Property Mutated_frames_leave_every_frame_accounted_gpm_whole_and_every_forwarded_frame_valid(int seed)
    {
        using var pipeline = new FuzzPipeline(ppeThreads: 2);
        var outcome = pipeline.Run(3000, seed, drainLimit: TimeSpan.FromSeconds(20));
        return (outcome.Held && outcome.Sent == 3000)
            .Label($"seed {seed}: sent {outcome.Sent}, forwarded {outcome.Forwarded}, dropped {outcome.Dropped}, punted {outcome.Punted}; "
                + string.Join("; ", outcome.Failures));
    }

    [Property(MaxTest = 20)]
    public bool The_same_seed_gives_the_same_frames(int seed, PositiveInt count)
    {
        var frames = Math.Min(count.Get, 300);
        var a = new FuzzFrames(seed);
        var b = new FuzzFrames(seed);
        var x = new byte[FuzzFrames.MaxFrameLength];
        var y = new byte[FuzzFrames.MaxFrameLength];
        for (var i = 0; i < frames; i++)
        {
            var lengthA = a.Next(i & 1, x, (ushort)i, out var shapedA, out var ttlA);
            var lengthB = b.Next(i & 1, y, (ushort)i, out var shapedB, out var ttlB);
            if (lengthA != lengthB || shapedA != shapedB || ttlA != ttlB || !x.AsSpan(0, lengthA).SequenceEqual(y.AsSpan(0, lengthB)))
            {
                return false;
            }
        }
        return true;
    }

    [Fact]
    public void The_mutations_reach_every_part_of_the_graph()
    {
        using var pipeline = new FuzzPipeline(ppeThreads: 1);
        var outcome = pipeline.Run(5000, seed: 7, drainLimit: TimeSpan.FromSeconds(20));

        Assert.True(outcome.Held, string.Join("\n", outcome.Failures));
        // Forwarded, punted, fragmented, answered with ICMP errors, and dropped for each kind of bad header.
        Assert.True(outcome.Forwarded > 0 && outcome.Punted > 0 && outcome.Fragments > 0 && outcome.IcmpErrors > 0, outcome.ToString());
        foreach (var reason in new[] { "RuntFrame", "NotForUs", "UnknownEtherType", "UnknownVlan", "Ipv4BadVersion", "Ipv4BadHeaderLength",
                     "Ipv4BadTotalLength", "Ipv4Truncated", "Ipv4BadChecksum", "MartianSource", "MartianDestination", "TtlExpired", "NoRoute",
                     "NoAdjacency", "FragmentationNeeded", "Ipv6BadVersion" })
        {
            Assert.True(outcome.DropsByReason.GetValueOrDefault(reason) > 0, $"no {reason} drop in 5000 frames");
        }
    }
}

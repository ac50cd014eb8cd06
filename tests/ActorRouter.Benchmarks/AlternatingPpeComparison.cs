using W = ActorRouter.Benchmarks.ForwardingWorkloadRig;

namespace ActorRouter.Benchmarks;

/// <summary>One PPE path's handling of a burst: input buffers in, the number of output buffers written.</summary>
internal delegate int PpeBurstPath(ReadOnlySpan<uint> burst, uint[] output);

/// <summary>
/// The <c>ppe</c> workload run by two PPE paths in one process, pass by pass in turn. Alternating within one run
/// exposes both to the same machine (its load, its caches, its clock), which two separate runs on a shared
/// machine do not; each path's time is its thread's CPU time with the frame restoration subtracted. Both paths
/// together handle the workload once per repetition, so the usual reference check applies to their sum.
/// </summary>
internal static class AlternatingPpeComparison
{
    /// <returns>0 when every repetition's output matched the reference, else 1.</returns>
    public static int Run(string name, W rig, int repetitions, string referenceName, PpeBurstPath reference,
        string candidateName, PpeBurstPath candidate, int maxOutputPerPacket)
    {
        var output = new uint[W.Burst * maxOutputPerPacket];
        var ok = true;
        var ratios = new List<double>();
        double lastCandidate = 0, lastReference = 0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            rig.Counters.Clear();
            long forwarded = 0, nextHopSum = 0;
            double candidateSeconds = 0, referenceSeconds = 0;
            for (var pass = 0; pass < W.Passes; pass++)
            {
                var useReference = (pass & 1) == 0;
                var path = useReference ? reference : candidate;
                var passStart = ThreadClock.CpuSeconds();
                for (var start = 0; start < W.PoolBuffers; start += W.Burst)
                {
                    var n = path(rig.Restore(pass, start), output);
                    nextHopSum += rig.TakeOutput(output, n);
                    forwarded += n;
                }
                if (useReference)
                {
                    referenceSeconds += ThreadClock.CpuSeconds() - passStart;
                }
                else
                {
                    candidateSeconds += ThreadClock.CpuSeconds() - passStart;
                }
            }
            var cpuRestoreStart = ThreadClock.CpuSeconds();
            rig.RestoreOnly();
            // Each path restored the frames of half the passes.
            var restoreHalf = (ThreadClock.CpuSeconds() - cpuRestoreStart) / 2;
            var packetsEach = W.PacketsPerRepetition / 2.0;
            lastReference = packetsEach / (referenceSeconds - restoreHalf) / 1e6;
            lastCandidate = packetsEach / (candidateSeconds - restoreHalf) / 1e6;
            ok &= rig.Check(forwarded, nextHopSum, out var description);
            var ratio = lastCandidate / lastReference;
            ratios.Add(ratio);
            Console.WriteLine($"rep {rep}: {description}; on-CPU: {referenceName} {lastReference:F1} Mpps, {candidateName} {lastCandidate:F1} Mpps, {candidateName}/{referenceName} {ratio:F3}");
        }
        // The first repetition runs while the JIT and the caches settle: the median of the others.
        var settled = ratios.Skip(ratios.Count > 1 ? 1 : 0).Order().ToList();
        Console.WriteLine($"{name}: {settled[settled.Count / 2]:F3} {candidateName}/{referenceName} (median of {settled.Count} repetitions, range {settled[0]:F3}–{settled[^1]:F3}; last: {candidateName} {lastCandidate:F1} Mpps, {referenceName} {lastReference:F1} Mpps on-CPU)");
        return ok ? 0 : 1;
    }
}

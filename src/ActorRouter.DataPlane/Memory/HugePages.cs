using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Memory;

/// <summary>
/// Native blocks for GPM backed by transparent huge pages where Linux offers them (DPDK's hugepages, without
/// reserving any): a block of 2 MiB or more is aligned to 2 MiB and advised MADV_HUGEPAGE, which the kernel
/// honours in its default <c>madvise</c> mode. Why: the fill and RX rings cycle through every buffer they were
/// lent, so a few thousand 2 KiB buffers touched per second span thousands of 4 KiB pages, and every frame then
/// costs TLB misses on the core that writes it (the kernel's copy) and on the one that reads it (the worker).
/// Where the advice is refused (another kernel setting, another OS) the block is an ordinary one.
/// </summary>
internal static unsafe partial class HugePages
{
    private const nuint HugePageSize = 2 * 1024 * 1024;
    private const int MadvHugePage = 14;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    /// <summary>An aligned block (free with <see cref="NativeMemory.AlignedFree"/>), huge-page backed and faulted in when it is large enough.</summary>
    public static void* Allocate(nuint bytes, nuint alignment)
    {
        if (!OperatingSystem.IsLinux() || bytes < HugePageSize)
        {
            return NativeMemory.AlignedAlloc(bytes, alignment);
        }
        var rounded = (bytes + HugePageSize - 1) & ~(HugePageSize - 1);
        var block = NativeMemory.AlignedAlloc(rounded, HugePageSize);
        _ = Madvise(block, rounded, MadvHugePage); // advice only: refused, the block is still good
        // Touched now, not by the first frames: a first touch faults the page in (zeroing 2 MiB for a huge
        // page), and on a data-plane thread that is a stall of the receive path.
        NativeMemory.Clear(block, rounded);
        return block;
    }
}

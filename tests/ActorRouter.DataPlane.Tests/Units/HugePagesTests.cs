using System.Runtime.InteropServices;
using ActorRouter.DataPlane.Memory;

namespace ActorRouter.DataPlane.Tests.Units;

public unsafe class HugePagesTests
{
    [Fact]
    public void A_large_gpm_block_is_aligned_to_a_huge_page_and_zeroed_and_a_small_one_is_as_asked()
    {
        var large = (byte*)HugePages.Allocate(3 * 1024 * 1024 + 5, 4096);
        try
        {
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(0UL, (ulong)large % (2 * 1024 * 1024));
            }
            Assert.True(new ReadOnlySpan<byte>(large, 3 * 1024 * 1024 + 5).IndexOfAnyExcept((byte)0) < 0);
        }
        finally
        {
            NativeMemory.AlignedFree(large);
        }
        var small = (byte*)HugePages.Allocate(1000, 64);
        Assert.Equal(0UL, (ulong)small % 64);
        NativeMemory.AlignedFree(small);
    }
}

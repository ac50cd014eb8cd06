using System.Buffers.Binary;

namespace ActorRouter.Packets.Tests;

public class InternetChecksumTests
{
    // RFC 1071 §3 numerical example.
    private static readonly byte[] Rfc1071Example = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

    // A captured IPv4/UDP header, 192.168.0.1 -> 192.168.0.199, checksum 0xb861.
    private const string CapturedUdpHeader = "45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7";

    // An IPv4/ICMP echo request header as Linux ping sends it (id 0, DF, TTL 64), 10.0.0.1 -> 10.0.0.2, checksum 0x26a7.
    private const string CapturedIcmpHeader = "45 00 00 54 00 00 40 00 40 01 26 a7 0a 00 00 01 0a 00 00 02";

    [Fact]
    public void Rfc1071ExampleSumsTo0xDDF2AndChecksumIs0x220D()
    {
        Assert.Equal(0xddf2u, InternetChecksum.Sum(Rfc1071Example));
        Assert.Equal(0xddf2u, ScalarInternetChecksum.Sum(Rfc1071Example));
        Assert.Equal((ushort)0x220d, InternetChecksum.Compute(Rfc1071Example));
    }

    [Theory]
    [InlineData(CapturedUdpHeader, 0xb861)]
    [InlineData(CapturedIcmpHeader, 0x26a7)]
    public void CapturedHeadersVerifyAndRecomputeToTheirStoredChecksum(string hex, int storedChecksum)
    {
        byte[] header = Hex.Parse(hex);
        Assert.Equal(storedChecksum, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(10)));
        Assert.True(InternetChecksum.IsValid(header));

        header[10] = 0;
        header[11] = 0;
        Assert.Equal((ushort)storedChecksum, InternetChecksum.Compute(header));
        Assert.False(InternetChecksum.IsValid(header));
    }

    [Fact]
    public void CorruptingAnyBitOfACapturedHeaderFailsVerification()
    {
        byte[] header = Hex.Parse(CapturedUdpHeader);
        for (int bit = 0; bit < header.Length * 8; bit++)
        {
            header[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(InternetChecksum.IsValid(header), $"bit {bit}");
            header[bit / 8] ^= (byte)(1 << (bit % 8));
        }
        Assert.True(InternetChecksum.IsValid(header));
    }

    [Fact]
    public void EmptyAndAllZeroDataSumToZero()
    {
        Assert.Equal(0u, InternetChecksum.Sum([]));
        Assert.Equal(0u, InternetChecksum.Sum(new byte[1000]));
        Assert.Equal((ushort)0xffff, InternetChecksum.Compute([]));
        Assert.Equal(7u, InternetChecksum.Sum([], 7));
    }

    [Fact]
    public void OddLengthPadsTheLastByteAsTheHighByteOfAWord()
    {
        Assert.Equal(0xab00u, InternetChecksum.Sum([0xab]));
        Assert.Equal(0x1234u + 0x5600u, InternetChecksum.Sum([0x12, 0x34, 0x56]));
    }

    [Fact]
    public void SumAddsTheInitialValueWithEndAroundCarry()
    {
        Assert.Equal(0x0001_0000u + 0xddf2u, InternetChecksum.Sum(Rfc1071Example, 0x0001_0000));
        // 0xFFFFFFFF + 0xddf2 overflows 32 bits; the carry comes back in as one.
        Assert.Equal(0xddf2u, InternetChecksum.Sum(Rfc1071Example, 0xFFFF_FFFF));
        Assert.Equal((ushort)0x220d, InternetChecksum.Fold(InternetChecksum.Sum(Rfc1071Example, 0xFFFF_FFFF)));
    }

    [Fact]
    public void ChainedSumsOverEvenSplitsEqualOneSum()
    {
        var random = new Random(1071);
        byte[] data = new byte[301];
        random.NextBytes(data);
        ushort whole = InternetChecksum.Compute(data);
        for (int split = 0; split <= data.Length; split += 2)
        {
            uint first = InternetChecksum.Sum(data.AsSpan(0, split));
            Assert.Equal(whole, InternetChecksum.Fold(InternetChecksum.Sum(data.AsSpan(split), first)));
        }
    }

    [Fact]
    public void FoldFoldsCarriesTwiceAndComplements()
    {
        Assert.Equal((ushort)0xffff, InternetChecksum.Fold(0));
        Assert.Equal((ushort)0x0000, InternetChecksum.Fold(0xffff));
        Assert.Equal((ushort)0x220d, InternetChecksum.Fold(0x2ddf0));
        // 0xFFFF + 0xFFFF = 0x1FFFE folds to 0xFFFF once; the second fold is needed for 0xFFFF_FFFF.
        Assert.Equal((ushort)0x0000, InternetChecksum.Fold(0xffff_ffff));
        Assert.Equal((ushort)0x0000, InternetChecksum.Fold(0x1fffe));
    }

    [Fact]
    public void VectorisedSumEqualsScalarReferenceForEveryLengthAndOffset()
    {
        var random = new Random(42);
        byte[] buffer = new byte[300 + 64];
        for (int round = 0; round < 4; round++)
        {
            random.NextBytes(buffer);
            if (round == 3)
            {
                // All-ones words drive every lane to its maximum and exercise the end-around carries.
                buffer.AsSpan().Fill(0xff);
            }

            foreach (int offset in new[] { 0, 1, 2, 3, 5, 8, 13, 31, 32, 33 })
            {
                for (int length = 0; length <= 300; length++)
                {
                    ReadOnlySpan<byte> data = buffer.AsSpan(offset, length);
                    uint expected = ScalarInternetChecksum.Sum(data);
                    Assert.True(expected <= 0xffff);
                    Assert.Equal(expected, InternetChecksum.Sum(data));
                    Assert.Equal(ScalarInternetChecksum.Sum(data, 0xfedc_ba98), InternetChecksum.Sum(data, 0xfedc_ba98));
                }
            }
        }
    }

    [Fact]
    public void VectorisedSumEqualsScalarReferenceOverBuffersLargerThanOneFlush()
    {
        // More than 2^15 iterations of two 32-byte vectors, so the lane accumulators flush at least twice.
        var random = new Random(7);
        byte[] data = new byte[(1 << 15) * 64 * 2 + 77];
        data.AsSpan().Fill(0xff);
        Assert.Equal(ScalarInternetChecksum.Sum(data), InternetChecksum.Sum(data));
        random.NextBytes(data);
        Assert.Equal(ScalarInternetChecksum.Sum(data), InternetChecksum.Sum(data));
    }

    [Fact]
    public void IncrementalUpdateMatchesRfc1624Example()
    {
        // RFC 1624 §4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 with eqn. 3 (not 0xffff).
        Assert.Equal((ushort)0x0000, InternetChecksum.IncrementalUpdate(0xdd2f, 0x5555, 0x3285));
    }

    [Fact]
    public void DecrementTtlMatchesFullRecomputationForEveryTtlAndEveryStartingChecksum()
    {
        // Every identification gives every starting checksum a valid header can carry (see below), so
        // TTL 1..255 x id 0..65535 covers every TTL with every checksum value.
        byte[] header = Hex.Parse(CapturedUdpHeader);
        byte[] recomputed = new byte[header.Length];
        for (int ttl = 1; ttl <= 255; ttl++)
        {
            for (int id = 0; id <= 0xffff; id++)
            {
                AssertDecrementMatches(header, recomputed, ttl, id);
            }
        }
    }

    [Fact]
    public void StartingChecksumsCoverEveryValueAValidHeaderCanCarry()
    {
        byte[] header = Hex.Parse(CapturedUdpHeader);
        var seen = new bool[0x10000];
        for (int id = 0; id <= 0xffff; id++)
        {
            SetIdAndChecksum(header, 64, id);
            seen[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(10))] = true;
        }
        // 0xffff would mean the header sums to zero, impossible with a non-zero version byte.
        Assert.Equal(0xffff, seen.Count(s => s));
        Assert.False(seen[0xffff]);
    }

    [Fact]
    public void DecrementTtlReturnsAndStoresTheNewChecksum()
    {
        byte[] header = Hex.Parse(CapturedUdpHeader);
        ushort returned = InternetChecksum.DecrementTtl(header);
        Assert.Equal(63, header[8]);
        Assert.Equal(0x11, header[9]);
        Assert.Equal((ushort)0xb961, returned);
        Assert.Equal(returned, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(10)));
        Assert.True(InternetChecksum.IsValid(header));
    }

    private static void AssertDecrementMatches(byte[] header, byte[] recomputed, int ttl, int id)
    {
        SetIdAndChecksum(header, ttl, id);
        ushort returned = InternetChecksum.DecrementTtl(header);

        header.CopyTo(recomputed, 0);
        recomputed[10] = 0;
        recomputed[11] = 0;
        ushort expected = InternetChecksum.Compute(recomputed);
        if (returned != expected || header[8] != ttl - 1 || !InternetChecksum.IsValid(header))
        {
            Assert.Fail($"ttl {ttl} id {id:x4}: incremental {returned:x4}, recomputed {expected:x4}, ttl now {header[8]}");
        }
    }

    private static void SetIdAndChecksum(byte[] header, int ttl, int id)
    {
        header[8] = (byte)ttl;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)id);
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), InternetChecksum.Compute(header));
    }
}

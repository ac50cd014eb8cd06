using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ActorRouter.Packets;
using BenchmarkDotNet.Attributes;

namespace ActorRouter.Benchmarks;

/// <summary>
/// RFC 1071 checksum throughput: <see cref="InternetChecksum.Compute"/> over 20-byte IPv4 headers and over
/// 1500-byte (MTU-sized) buffers, about two seconds each; the figure is the 1500-byte rate.
/// </summary>
public sealed class ChecksumBenchmark : IBenchmarkCase
{
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(2);

    public string Name => "checksum";

    public string Description => "RFC 1071 checksum throughput over 20 B headers and 1500 B buffers (GB/s)";

    public int Run(string[] args)
    {
        Console.WriteLine($"vector widths: 128-bit {Vector128.IsHardwareAccelerated}, 256-bit {Vector256.IsHardwareAccelerated}, 512-bit {Vector512.IsHardwareAccelerated}");

        byte[] header = PacketBuilder.Udp(MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02"),
            Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.1.1"), 1000, 2000, new byte[64])[14..34];
        byte[] mtu = new byte[1500];
        new Random(1071).NextBytes(mtu);

        Rate headers = Measure(header, scalar: false);
        Rate mtuRate = Measure(mtu, scalar: false);
        Rate mtuScalar = Measure(mtu, scalar: true);

        Console.WriteLine($"  20 B headers : {headers.NanosecondsPerCall,6:F1} ns/checksum, {headers.MillionsPerSecond,7:F1} M/s, {headers.GigabytesPerSecond:F1} GB/s");
        Console.WriteLine($"1500 B buffers : {mtuRate.NanosecondsPerCall,6:F1} ns/checksum, {mtuRate.MillionsPerSecond,7:F1} M/s, {mtuRate.GigabytesPerSecond:F1} GB/s");
        Console.WriteLine($"1500 B scalar reference (word by word): {mtuScalar.NanosecondsPerCall:F1} ns, {mtuScalar.GigabytesPerSecond:F1} GB/s");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checksum: {mtuRate.GigabytesPerSecond:F1} GB/s"));
        return 0;
    }

    private static Rate Measure(byte[] data, bool scalar)
    {
        // Warm up past tiered compilation so the timed loop runs the optimised code.
        Loop(data, scalar, 200_000);

        int batch = 10_000;
        long calls = 0;
        uint sink = 0;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < RunTime)
        {
            sink += Loop(data, scalar, batch);
            calls += batch;
        }

        stopwatch.Stop();
        GC.KeepAlive(sink);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        return new Rate(calls / seconds, data.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint Loop(byte[] data, bool scalar, int iterations)
    {
        uint sink = 0;
        if (scalar)
        {
            for (int i = 0; i < iterations; i++)
            {
                sink += ScalarInternetChecksum.Compute(data);
            }
        }
        else
        {
            for (int i = 0; i < iterations; i++)
            {
                // Sum is not inlined, so the call stays in the loop; the sink keeps every result alive.
                sink += InternetChecksum.Compute(data);
            }
        }

        return sink;
    }

    private readonly record struct Rate(double CallsPerSecond, int Bytes)
    {
        public double NanosecondsPerCall => 1e9 / CallsPerSecond;
        public double MillionsPerSecond => CallsPerSecond / 1e6;
        public double GigabytesPerSecond => CallsPerSecond * Bytes / 1e9;
    }
}

/// <summary>BenchmarkDotNet microbenchmarks: vectorised <see cref="InternetChecksum"/> against the scalar reference.</summary>
[MemoryDiagnoser]
public class ChecksumMicrobenchmarks
{
    private byte[] _data = [];

    [Params(20, 64, 1500)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Bytes];
        new Random(1071).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public ushort Scalar() => ScalarInternetChecksum.Compute(_data);

    [Benchmark]
    public ushort Vectorised() => InternetChecksum.Compute(_data);
}

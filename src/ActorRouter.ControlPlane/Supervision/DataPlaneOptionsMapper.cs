using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane;
using ActorRouter.IO.Crypto;

namespace ActorRouter.ControlPlane.Supervision;

/// <summary>The data plane's sizes and rates as the configuration gives them.</summary>
public static class DataPlaneOptionsMapper
{
    /// <param name="processIsRouter">The process is this router alone (the console host): <c>data-plane.isolate-workers</c>
    /// applies. A data plane in a test or tool process never moves that process's threads.</param>
    public static DataPlaneOptions FromConfig(RouterConfig config, bool processIsRouter = false) => new()
    {
        IsolateWorkerCores = processIsRouter && config.DataPlane.IsolateWorkers,
        BufferSize = config.DataPlane.Gpm.BufferSize,
        BufferCount = config.DataPlane.Gpm.BufferCount,
        Headroom = config.DataPlane.Gpm.Headroom,
        PpeThreads = config.DataPlane.PpeThreads,
        BurstSize = config.DataPlane.BurstSize,
        CoalesceMicroseconds = config.DataPlane.CoalesceMicroseconds,
        CoalesceBatch = config.DataPlane.CoalesceBatch,
        LingerMilliseconds = config.DataPlane.LingerMilliseconds,
        RingSize = config.DataPlane.RingSize,
        RxCore = config.DataPlane.Cores.Rx,
        PpeCores = config.DataPlane.Cores.Ppe.ToArray(),
        HqfCore = config.DataPlane.Cores.Hqf,
        Layout = config.DataPlane.Layout,
        Workers = config.DataPlane.Workers,
        WorkerCores = config.DataPlane.Cores.Workers.ToArray(),
        PuntRingSize = config.Punt.RingSize,
        PuntPolicy = config.Punt.ToPolicy(config.Icmp),
        IcmpErrorRatePerSecond = config.Icmp.ErrorRateLimitPps,
        IcmpErrorBurst = config.Icmp.Burst,
        // ESP's AES-GCM over OpenSSL in the native shim; .NET's AesGcm when the shim or its OpenSSL is absent.
        AesGcm = NativeAesGcmEngine.BestAvailable,
    };

    /// <summary>Null when the data plane accepts the options, else why it would not start.</summary>
    public static string? WhyInvalid(RouterConfig config)
    {
        try
        {
            FromConfig(config).Validate();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}

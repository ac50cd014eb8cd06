namespace ActorRouter.Control.Contracts;

/// <summary>
/// An interface's input and output rates as <c>show interfaces</c> prints them ("5 minute input rate
/// 8000 bits/sec, 10 packets/sec"): exponentially decayed over <paramref name="LoadIntervalSeconds"/>
/// (IOS's load-interval), rounded to whole units.
/// </summary>
public sealed record InterfaceRateView(
    int LoadIntervalSeconds,
    long InputBitsPerSecond,
    long InputPacketsPerSecond,
    long OutputBitsPerSecond,
    long OutputPacketsPerSecond);

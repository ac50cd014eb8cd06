using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>
/// Token bucket for rate limits on the data plane (punts, ICMP errors). Tokens are credited by
/// elapsed monotonic time once per burst (<see cref="Refill"/>), and spent one per event, so the
/// rate holds whatever the burst sizes and wake-ups. Owned by one thread.
/// </summary>
public struct TokenBucket
{
    private double _tokens;
    private double _tokensPerTick;
    private double _burst;
    private long _lastTimestamp;

    public TokenBucket(double ratePerSecond, double burst)
    {
        Configure(ratePerSecond, burst);
        _tokens = _burst;
        _lastTimestamp = Stopwatch.GetTimestamp();
    }

    public void Configure(double ratePerSecond, double burst)
    {
        _tokensPerTick = Math.Max(0, ratePerSecond) / Stopwatch.Frequency;
        _burst = Math.Max(1, burst);
        _tokens = Math.Min(_tokens, _burst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Refill(long now)
    {
        var elapsed = now - _lastTimestamp;
        _lastTimestamp = now;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_burst, _tokens + elapsed * _tokensPerTick);
        }
    }

    /// <summary>True when an event would be allowed now (nothing is spent).</summary>
    public readonly bool HasToken => _tokens >= 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTake()
    {
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }
        return false;
    }
}

using System.Runtime.InteropServices;

namespace ActorRouter.IO.Native;

/// <summary>P/Invoke surface of the C shim built from <c>native/</c> (libactorrouter_native.so).</summary>
public static unsafe partial class NativeShim
{
    public const string LibraryName = "actorrouter_native";

    /// <summary>The ABI number this assembly was written against; must equal <see cref="AbiVersion"/>.</summary>
    public const uint ExpectedAbiVersion = 6;

    [LibraryImport(LibraryName, EntryPoint = "arn_version")]
    private static partial uint NativeVersion();

    [LibraryImport(LibraryName, EntryPoint = "arn_abi_version")]
    private static partial uint NativeAbiVersion();

    /// <summary>The library's version as major.minor.patch.</summary>
    public static Version LibraryVersion
    {
        get
        {
            var packed = NativeVersion();
            return new Version((int)(packed >> 16), (int)((packed >> 8) & 0xFF), (int)(packed & 0xFF));
        }
    }

    public static uint AbiVersion => NativeAbiVersion();

    /// <summary>Throws with a precise message when the loaded library speaks another ABI.</summary>
    public static void EnsureCompatible()
    {
        var abi = AbiVersion;
        if (abi != ExpectedAbiVersion)
        {
            throw new InvalidOperationException(
                $"libactorrouter_native.so has ABI {abi}, but ActorRouter.IO expects ABI {ExpectedAbiVersion}; rebuild with 'dotnet build'.");
        }
    }

    // ---- AES-GCM over OpenSSL's EVP (see native/include/actorrouter_native.h) ----

    [LibraryImport(LibraryName, EntryPoint = "arn_aes_gcm_available")]
    public static partial int AesGcmAvailable();

    [LibraryImport(LibraryName, EntryPoint = "arn_aes_gcm_new")]
    public static partial int AesGcmNew(byte* key, uint keyLength, out nint context);

    [LibraryImport(LibraryName, EntryPoint = "arn_aes_gcm_free")]
    public static partial void AesGcmFree(nint context);

    // Per packet, pure CPU on the caller's buffers (no system call, no lock, never blocks): no GC transition.
    [LibraryImport(LibraryName, EntryPoint = "arn_aes_gcm_encrypt")]
    [SuppressGCTransition]
    public static partial int AesGcmEncrypt(nint context, byte* nonce, byte* aad, uint aadLength, byte* text, uint length, byte* tag);

    [LibraryImport(LibraryName, EntryPoint = "arn_aes_gcm_decrypt")]
    [SuppressGCTransition]
    public static partial int AesGcmDecrypt(nint context, byte* nonce, byte* aad, uint aadLength, byte* text, uint length, byte* tag);

    // ---- AF_PACKET ports (see native/include/actorrouter_native.h for the contracts) ----
    // Every call returns a negative errno on failure; the port handle is an opaque pointer.

    public const int ModeLatency = 0;
    public const int ModeThroughput = 1;

    [LibraryImport(LibraryName, EntryPoint = "arn_port_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PortOpen(string ifname, uint rxFrames, uint txFrames, uint frameSize, int mode, out nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_close")]
    public static partial void PortClose(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_burst")]
    public static partial int PortRxBurst(nint port, byte** buffers, ushort* lengths, uint max, uint bufferCapacity);

    /// <summary>Lends waiting frames in their RX ring slots (pointers valid until released); see arn_port_rx_peek.</summary>
    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_peek")]
    public static partial int PortRxPeek(nint port, byte** frames, ushort* lengths, uint max);

    /// <summary>Gives the <paramref name="count"/> oldest lent RX slots back to the kernel; see arn_port_rx_release.</summary>
    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_release")]
    public static partial int PortRxRelease(nint port, uint count);

    // A few loads from the mapped ring: too short to be worth a GC transition.
    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_pending")]
    [SuppressGCTransition]
    public static partial int PortRxPending(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_discard")]
    public static partial int PortRxDiscard(nint port, uint max);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_oversize")]
    public static partial ulong PortRxOversize(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_tx_room")]
    public static partial int PortTxRoom(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_tx_burst")]
    public static partial int PortTxBurst(nint port, byte** frames, ushort* lengths, uint count);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_tx_flush")]
    public static partial int PortTxFlush(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_tx_oversize")]
    public static partial ulong PortTxOversize(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_fd")]
    public static partial int PortFd(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_stats")]
    public static partial int PortStats(nint port, out ulong rxDropped, out ulong rxPackets);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_ifindex")]
    public static partial int PortIfIndex(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_mac")]
    public static partial int PortMac(nint port, byte* mac);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_mtu")]
    public static partial int PortMtu(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_link_up")]
    public static partial int PortLinkUp(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_rx_ring_frames")]
    public static partial int PortRxRingFrames(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_port_tx_ring_frames")]
    public static partial int PortTxRingFrames(nint port);

    // ---- AF_XDP ports (see native/include/actorrouter_native.h for the contracts) ----

    public const uint XskCopyOnly = 1;
    public const int XskModeZeroCopy = 1;
    public const int XskModeNative = 2;
    public const int XskStepArguments = 1;
    public const int XskStepInterface = 2;
    public const int XskStepUmem = 3;
    public const int XskStepBind = 4;
    public const int XskStepProgram = 5;
    public const int XskStepPoll = 6;
    public const int XskStepBuild = 7;
    public const int XskStatCount = 6;
    public const int XskMaxQueues = 16;

    /// <summary>1 when the shim was built with libxdp, 0 when the AF_XDP driver is compiled out.</summary>
    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_supported")]
    public static partial int XskSupported();

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int XskOpen(string ifname, byte* area, ulong areaSize, uint chunkSize, uint ringSize, uint maxQueues, uint flags, out nint port, out int failedStep);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_close")]
    public static partial void XskClose(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_detach_stale", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int XskDetachStale(string ifname);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_program_attached", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int XskProgramAttached(string ifname);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_fill")]
    public static partial int XskFill(nint port, uint* buffers, uint count);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_rx_swap")]
    public static partial int XskRxSwap(nint port, uint* buffers, ushort* offsets, ushort* lengths, uint count);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_rx_copy")]
    public static partial int XskRxCopy(nint port, byte** buffers, ushort* lengths, uint max, uint bufferCapacity, ulong* oversize);

    // A few loads from the mapped rings: too short to be worth a GC transition.
    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_rx_pending")]
    [SuppressGCTransition]
    public static partial int XskRxPending(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_rx_discard")]
    public static partial int XskRxDiscard(nint port, uint max);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_tx_complete")]
    public static partial int XskTxComplete(nint port, uint* buffers, uint max);

    // May make a system call (a kick for a half-sent burst): no SuppressGCTransition.
    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_tx_room")]
    public static partial int XskTxRoom(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_tx_outstanding")]
    public static partial int XskTxOutstanding(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_tx_burst")]
    public static partial int XskTxBurst(nint port, uint* buffers, ushort* offsets, ushort* lengths, uint count);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_tx_flush")]
    public static partial int XskTxFlush(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_stats")]
    public static partial int XskStats(nint port, ulong* counters);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_fd")]
    public static partial int XskFd(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_queue_count")]
    public static partial int XskQueueCount(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_mode")]
    public static partial int XskMode(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_mac")]
    public static partial int XskMac(nint port, byte* mac);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_mtu")]
    public static partial int XskMtu(nint port);

    [LibraryImport(LibraryName, EntryPoint = "arn_xsk_link_up")]
    public static partial int XskLinkUp(nint port);

    // ---- Waking and sleeping ----

    [LibraryImport(LibraryName, EntryPoint = "arn_eventfd_create")]
    public static partial int EventFdCreate();

    [LibraryImport(LibraryName, EntryPoint = "arn_eventfd_signal")]
    public static partial int EventFdSignal(int fd);

    [LibraryImport(LibraryName, EntryPoint = "arn_eventfd_clear")]
    public static partial int EventFdClear(int fd);

    [LibraryImport(LibraryName, EntryPoint = "arn_fd_close")]
    public static partial int FdClose(int fd);

    [LibraryImport(LibraryName, EntryPoint = "arn_poll")]
    public static partial int Poll(int* fds, int count, int timeoutMilliseconds, out uint readyMask);

    // ---- Network namespaces ----

    /// <summary>Moves the calling OS thread into the network namespace at <paramref name="path"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "arn_netns_enter", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int NetnsEnter(string path);

    /// <summary>The system's text for an errno value ("No such device").</summary>
    public static string ErrnoText(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}

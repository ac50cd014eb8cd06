namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// A further handler for punted "for us" frames that no built-in responder takes (a protocol of a service
/// that is not always on, such as the fleet's probes). Called on the punt reader thread; must not block.
/// </summary>
public interface IForUsHandler
{
    /// <summary>True when the frame was this handler's (taken, or dropped and counted by it); false, touching nothing, otherwise.</summary>
    bool TryHandle(int rxInterface, ReadOnlySpan<byte> frame);
}

namespace ActorRouter.DataPlane.Graph;

/// <summary>One PPE's side of a capture: copies matching frames at the capture points into its ring.</summary>
internal sealed class CaptureTap
{
    public void Tap(int node, uint[] buffers, int count)
    {
    }
}

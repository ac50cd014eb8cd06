using System.Runtime.CompilerServices;

// The FIB tests reach the portable LookupBurst path, which AVX2 hardware would otherwise never run.
[assembly: InternalsVisibleTo("ActorRouter.DataPlane.Tests")]

// The ppe-trace-off benchmark runs the graph's nodes in a dispatch loop without the observation check, as the
// reference the product loop (with it) is measured against in one run.
[assembly: InternalsVisibleTo("ActorRouter.Benchmarks")]

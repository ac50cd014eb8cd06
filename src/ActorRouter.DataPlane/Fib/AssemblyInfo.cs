using System.Runtime.CompilerServices;

// The FIB tests reach the portable LookupBurst path, which AVX2 hardware would otherwise never run.
[assembly: InternalsVisibleTo("ActorRouter.DataPlane.Tests")]

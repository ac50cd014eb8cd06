using System.Reflection;
using ActorRouter.Benchmarks;

// One runner for every benchmark: `dotnet run -c Release --project tests/ActorRouter.Benchmarks -- CASE [args]`.
// Each case ends with exactly one line "CASE: VALUE UNIT" so scripts can read the figure.
// `bdn [BenchmarkDotNet args]` hands over to BenchmarkDotNet for the microbenchmarks.
var cases = typeof(Program).Assembly.GetTypes()
    .Where(t => typeof(IBenchmarkCase).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmarkCase)Activator.CreateInstance(t)!)
    .OrderBy(c => c.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/ActorRouter.Benchmarks -- CASE [args]");
    Console.WriteLine("cases:");
    foreach (var c in cases)
    {
        Console.WriteLine($"  {c.Name,-10} {c.Description}");
    }
    Console.WriteLine("  bdn        BenchmarkDotNet microbenchmarks (pass BenchmarkDotNet arguments after it)");
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == "bdn")
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args[1..]);
    return 0;
}

var selected = cases.FirstOrDefault(c => c.Name == args[0]);
if (selected is null)
{
    Console.Error.WriteLine($"unknown benchmark case '{args[0]}'; known: {string.Join(", ", cases.Select(c => c.Name))}, bdn");
    return 2;
}

#if DEBUG
Console.Error.WriteLine("warning: Debug build; figures are meaningless. Use -c Release.");
#endif
return selected.Run(args[1..]);

namespace ActorRouter.Benchmarks
{
    /// <summary>A benchmark the runner can select by name.</summary>
    public interface IBenchmarkCase
    {
        string Name { get; }
        string Description { get; }

        /// <summary>Runs the case, printing details and last the line "NAME: VALUE UNIT"; returns the exit code.</summary>
        int Run(string[] args);
    }

    public partial class Program;
}

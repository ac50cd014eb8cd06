using ActorRouter.Cli;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// arctl is compiled ahead of time and prints --json from source-generated metadata only: a reply type missing from
/// that metadata would print as "unexpected reply" in the built arctl while the in-process tests (which can reflect)
/// still pass. Every view the contracts define must be there.
/// </summary>
public sealed class JsonContextTests
{
    [Fact]
    public void Every_contract_view_has_source_generated_json_metadata()
    {
        var views = typeof(InterfacesView).Assembly.GetExportedTypes()
            .Where(t => t.Name.EndsWith("View", StringComparison.Ordinal) && !t.IsAbstract && !t.IsInterface)
            .ToList();
        Assert.NotEmpty(views);
        var missing = views.Where(t => ReplyJsonContext.Default.GetTypeInfo(t) is null).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"add to ReplyJsonContext (src/ActorRouter.Cli/JsonContexts.cs): {string.Join(", ", missing)}");
    }
}

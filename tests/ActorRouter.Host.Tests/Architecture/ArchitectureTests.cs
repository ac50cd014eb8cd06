using System.Reflection;
using System.Reflection.Emit;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.DataPlane;

namespace ActorRouter.Host.Tests.Architecture;

/// <summary>
/// The data plane has one door: the QFP client. These tests read the built assemblies (signatures and
/// the IL of every method body) and fail when code outside the data plane and the QFP client reaches
/// the data plane's internals (GPM, rings, threads, the QfpDataPlane object itself), or when the
/// dependencies stop pointing downward.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly DataPlane = typeof(QfpDataPlane).Assembly;
    private static readonly Assembly ControlPlane = typeof(QfpClientActor).Assembly;
    private static readonly Assembly HostAssembly = typeof(ActorRouter.Host.RouterHost).Assembly;

    /// <summary>Namespaces of the data plane nobody outside it may touch (the I/O drivers aside, which share GPM by design).</summary>
    private static readonly string[] InternalNamespaces =
    [
        "ActorRouter.DataPlane.Memory",
        "ActorRouter.DataPlane.Rings",
        "ActorRouter.DataPlane.Threads",
    ];

    /// <summary>Plain values from those namespaces that travel in snapshots and messages.</summary>
    private static readonly HashSet<string> PlainValues =
    [
        "ActorRouter.DataPlane.Memory.GpmAccounting",
        "ActorRouter.DataPlane.Memory.BufferOwner",
        "ActorRouter.DataPlane.Threads.WorkerState",
        "ActorRouter.DataPlane.Threads.WorkerFault",
        "ActorRouter.DataPlane.Threads.LayoutPlan",
        "ActorRouter.DataPlane.DataPlaneLayout",
    ];

    /// <summary>What the supervisor, which owns the data plane's lifetime, may call on it.</summary>
    private static readonly HashSet<string> LifecycleMembers =
    [
        ".ctor", "Start", "Stop", "Dispose", "get_Threads", "get_Options", "ReadGpmAccounting", "RegisteredPortNames",
        // Which threads it runs (the layout resolved) and where the process's other threads are kept, for the
        // supervisor's start-up lines.
        "get_Plan", "get_IsolationNote",
    ];

    [Fact]
    public void The_data_plane_and_the_packet_library_reference_no_Akka_assembly()
    {
        foreach (var assembly in new[] { DataPlane, typeof(ActorRouter.Packets.InternetChecksum).Assembly, typeof(ActorRouter.IO.Memory.MemoryWire).Assembly })
        {
            var akka = assembly.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Akka", StringComparison.Ordinal)).Select(a => a.Name).ToList();
            Assert.True(akka.Count == 0, $"{assembly.GetName().Name} references {string.Join(", ", akka)}");
        }
    }

    [Fact]
    public void Dependencies_point_downward()
    {
        static IEnumerable<string> Ours(Assembly a) => a.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n.StartsWith("ActorRouter", StringComparison.Ordinal));
        Assert.Empty(Ours(typeof(ActorRouter.Packets.InternetChecksum).Assembly));
        Assert.Equal(["ActorRouter.Packets"], Ours(DataPlane).Order());
        Assert.DoesNotContain("ActorRouter.ControlPlane", Ours(typeof(ActorRouter.IO.Memory.MemoryWire).Assembly));
        Assert.DoesNotContain("ActorRouter.Host", Ours(ControlPlane));
        Assert.Empty(Ours(typeof(ActorRouter.Control.Contracts.CommandRefused).Assembly));
    }

    [Fact]
    public void Only_the_qfp_client_uses_the_data_plane_and_the_supervisor_only_its_lifecycle()
    {
        var violations = new List<string>();
        foreach (var assembly in new[] { ControlPlane, HostAssembly })
        {
            violations.AddRange(Violations(assembly));
        }
        Assert.True(violations.Count == 0, "data-plane internals used outside the QFP client:\n" + string.Join("\n", violations.Distinct().Order()));
    }

    [Fact]
    public void The_command_line_client_references_nothing_of_the_router_but_the_contracts()
    {
        var arctl = LoadArctl();
        var ours = arctl.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n.StartsWith("ActorRouter", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ActorRouter.Control.Contracts"], ours);
    }

    [Fact]
    public void The_scan_finds_a_use_of_the_internals_where_there_is_one()
    {
        // The scanner itself must be able to fail: the QFP client does use the data plane.
        var uses = Uses(typeof(QfpClientActor)).Where(u => u.Member.DeclaringType == typeof(QfpDataPlane)).ToList();
        Assert.Contains(uses, u => u.Member.Name == "CreateUidb");
        var supervisorUses = Uses(typeof(DataPlaneSupervisor)).Where(u => u.Member.DeclaringType == typeof(QfpDataPlane)).Select(u => u.Member.Name).ToHashSet();
        Assert.Contains("get_Threads", supervisorUses);
    }

    private static Assembly LoadArctl()
    {
        // The test runs from tests/ActorRouter.Host.Tests/bin/<Configuration>/net10.0/.
        var here = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(here).Parent!.Name;
        var root = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", ".."));
        var path = Path.Combine(root, "src", "ActorRouter.Cli", "bin", configuration, "net10.0", "arctl.dll");
        Assert.True(File.Exists(path), $"arctl is not built at {path}");
        return Assembly.LoadFrom(path);
    }

    private static IEnumerable<string> Violations(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (owner.Namespace == "ActorRouter.ControlPlane.Qfp")
            {
                continue; // the door itself
            }
            // DataPlaneReference is the tests' internal hook (InternalsVisibleTo the test assemblies only), sent by the supervisor.
            var isSupervisor = owner == typeof(DataPlaneSupervisor) || owner.FullName == "ActorRouter.ControlPlane.Messages.DataPlaneReference";
            foreach (var field in type.GetFields(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (IsInternal(field.FieldType) || (field.FieldType == typeof(QfpDataPlane) && !isSupervisor))
                {
                    yield return $"{type.FullName}.{field.Name}: field of type {field.FieldType.Name}";
                }
            }
            foreach (var use in Uses(type))
            {
                var declaring = use.Member as Type ?? use.Member.DeclaringType!;
                if (IsInternal(declaring))
                {
                    yield return $"{type.FullName}.{use.In}: uses {declaring.Name}.{use.Member.Name}";
                }
                else if (declaring == typeof(QfpDataPlane) && !(isSupervisor && LifecycleMembers.Contains(use.Member.Name)))
                {
                    yield return $"{type.FullName}.{use.In}: uses QfpDataPlane.{use.Member.Name}";
                }
            }
        }
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        return type;
    }

    private static bool IsInternal(Type type)
    {
        while (type.HasElementType)
        {
            type = type.GetElementType()!;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            if (type.GetGenericArguments().Any(IsInternal))
            {
                return true;
            }
            type = type.GetGenericTypeDefinition();
        }
        return type.Assembly == DataPlane && type.FullName is { } name && !PlainValues.Contains(name)
            && InternalNamespaces.Any(ns => type.Namespace == ns);
    }

    private sealed record Use(string In, MemberInfo Member);

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Every method, field and type token in the IL of <paramref name="type"/>'s own methods, resolved.</summary>
    private static IEnumerable<Use> Uses(Type type)
    {
        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        var methods = type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all));
        foreach (var method in methods)
        {
            byte[]? il;
            try
            {
                il = method.GetMethodBody()?.GetILAsByteArray();
            }
            catch (Exception)
            {
                continue;
            }
            if (il is null)
            {
                continue;
            }
            var typeArgs = type.IsGenericType ? type.GetGenericArguments() : null;
            var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
            var i = 0;
            while (i < il.Length)
            {
                short value = il[i++];
                if (value == 0xFE)
                {
                    value = (short)(0xFE00 | il[i++]);
                }
                var opCode = OpCodesByValue[value];
                var operandSize = opCode.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                    _ => 4,
                };
                if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok or OperandType.InlineType)
                {
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(token, typeArgs, methodArgs);
                    }
                    catch (Exception)
                    {
                        // A token that cannot be resolved in this context (open generics) is not ours to judge.
                    }
                    if (member is Type t)
                    {
                        if (IsInternal(t))
                        {
                            yield return new Use(method.Name, t);
                        }
                    }
                    else if (member?.DeclaringType is not null)
                    {
                        yield return new Use(method.Name, member);
                    }
                }
                i += operandSize;
            }
        }
    }
}

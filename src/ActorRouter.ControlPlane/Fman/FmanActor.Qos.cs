using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>
/// FMAN's QoS changes: class maps, policy maps and each interface's output policy. A change is
/// checked with the configuration loader's own rules against the whole candidate QoS
/// configuration; the interfaces whose policy it touches get a freshly compiled policy in one
/// data-plane command, and FMAN's state changes only once the data plane has accepted it.
/// </summary>
public sealed partial class FmanActor
{
    private void ReceiveQos()
    {
        Receive<DefineClassMap>(OnDefineClassMap);
        Receive<RemoveClassMap>(OnRemoveClassMap);
        Receive<DefinePolicyMap>(OnDefinePolicyMap);
        Receive<RemovePolicyMap>(OnRemovePolicyMap);
        Receive<AttachServicePolicy>(OnAttachServicePolicy);
        Receive<DetachServicePolicy>(OnDetachServicePolicy);
    }

    private void OnGetPolicyMapStatus(GetPolicyMapStatus m)
    {
        if (TryFind(m.Interface, out var itf))
        {
            _qfpClient.Tell(new ReadServicePolicy(itf.Index, itf.Config.Name, Sender));
        }
    }

    private int? InterfaceIndex(string name) => State.Interfaces.TryGetValue(name, out var itf) ? itf.Index : null;

    /// <summary>The loader's problems with a candidate QoS configuration, as "key: reason" lines; null when there are none.</summary>
    private string? WhyInvalid(QosConfig candidate)
    {
        var problems = QosValidator.Validate(candidate, State.Interfaces.Values.OrderBy(i => i.Order).Select(i => i.Config.Name).ToList());
        return problems.Count == 0
            ? null
            : string.Join("; ", problems.Select(p => $"{RouterConfigLoader.RootKey}.qos.{p.Key}: {p.Reason}"));
    }

    /// <summary>The interfaces whose output policy is one of <paramref name="policies"/>, with that policy compiled from <paramref name="qos"/>.</summary>
    private List<ServicePolicyAssignment> Recompile(QosConfig qos, Func<string, bool> policies) =>
        State.Interfaces.Values
            .Where(i => i.Config.ServicePolicyOutput is { } p && policies(p))
            .Select(i => new ServicePolicyAssignment(i.Index, QosPolicyCompiler.ToDataPlane(qos, i.Config.ServicePolicyOutput!, InterfaceIndex)))
            .ToList();

    private static bool Uses(PolicyMapConfig policy, string classMap) => policy.Classes.Any(c => c.Class == classMap);

    private void OnDefineClassMap(DefineClassMap m)
    {
        var map = m.ClassMap;
        var qos = State.Qos;
        var index = qos.ClassMaps.ToList().FindIndex(c => c.Name == map.Name);
        var candidate = qos with
        {
            ClassMaps = (index < 0 ? qos.ClassMaps.Append(map) : qos.ClassMaps.Select((c, i) => i == index ? map : c)).ToEquatableList(),
        };
        if (WhyInvalid(candidate) is { } reason)
        {
            Sender.Tell(new CommandFailed(reason));
            return;
        }
        var affected = Recompile(candidate, p => candidate.FindPolicyMap(p) is { } policy && Uses(policy, map.Name));
        Change(affected.Count == 0 ? null : new ApplyServicePolicies(affected), () => State = State with { Qos = candidate }, $"class-map {map.Name}");
    }

    private void OnRemoveClassMap(RemoveClassMap m)
    {
        var qos = State.Qos;
        if (qos.FindClassMap(m.Name) is null)
        {
            Sender.Tell(new CommandFailed($"no class-map named '{m.Name}'"));
            return;
        }
        if (qos.PolicyMaps.FirstOrDefault(p => Uses(p, m.Name)) is { } user)
        {
            Sender.Tell(new CommandFailed($"class-map '{m.Name}' is used by policy-map '{user.Name}'"));
            return;
        }
        var candidate = qos with { ClassMaps = qos.ClassMaps.Where(c => c.Name != m.Name).ToEquatableList() };
        Change(null, () => State = State with { Qos = candidate }, $"no class-map {m.Name}");
    }

    private void OnDefinePolicyMap(DefinePolicyMap m)
    {
        var policy = m.PolicyMap;
        var qos = State.Qos;
        var index = qos.PolicyMaps.ToList().FindIndex(p => p.Name == policy.Name);
        var candidate = qos with
        {
            PolicyMaps = (index < 0 ? qos.PolicyMaps.Append(policy) : qos.PolicyMaps.Select((p, i) => i == index ? policy : p)).ToEquatableList(),
        };
        if (WhyInvalid(candidate) is { } reason)
        {
            Sender.Tell(new CommandFailed(reason));
            return;
        }
        var affected = Recompile(candidate, p => p == policy.Name);
        Change(affected.Count == 0 ? null : new ApplyServicePolicies(affected), () => State = State with { Qos = candidate }, $"policy-map {policy.Name}");
    }

    private void OnRemovePolicyMap(RemovePolicyMap m)
    {
        var qos = State.Qos;
        if (qos.FindPolicyMap(m.Name) is null)
        {
            Sender.Tell(new CommandFailed($"no policy-map named '{m.Name}'"));
            return;
        }
        if (State.Interfaces.Values.FirstOrDefault(i => i.Config.ServicePolicyOutput == m.Name) is { } user)
        {
            Sender.Tell(new CommandFailed($"policy-map '{m.Name}' is applied to {user.Config.Name} (service-policy output)"));
            return;
        }
        var candidate = qos with { PolicyMaps = qos.PolicyMaps.Where(p => p.Name != m.Name).ToEquatableList() };
        Change(null, () => State = State with { Qos = candidate }, $"no policy-map {m.Name}");
    }

    private void OnAttachServicePolicy(AttachServicePolicy m)
    {
        if (!TryFind(m.Interface, out var itf))
        {
            return;
        }
        if (QosValidator.WhyNoPolicy(State.Qos, m.PolicyName) is { } reason)
        {
            Sender.Tell(new CommandFailed($"{itf.Config.Name}: {reason}"));
            return;
        }
        var definition = QosPolicyCompiler.ToDataPlane(State.Qos, m.PolicyName, InterfaceIndex);
        var config = itf.Config with { ServicePolicyOutput = m.PolicyName };
        Change(new ApplyServicePolicies([new ServicePolicyAssignment(itf.Index, definition)]), () => UpdateInterface(itf, config),
            $"{itf.Config.Name}: service-policy output {m.PolicyName}");
    }

    private void OnDetachServicePolicy(DetachServicePolicy m)
    {
        if (!TryFind(m.Interface, out var itf))
        {
            return;
        }
        if (itf.Config.ServicePolicyOutput is not { } current)
        {
            Sender.Tell(new CommandFailed($"{itf.Config.Name} has no output service policy"));
            return;
        }
        var config = itf.Config with { ServicePolicyOutput = null };
        Change(new ApplyServicePolicies([new ServicePolicyAssignment(itf.Index, null)]), () => UpdateInterface(itf, config),
            $"{itf.Config.Name}: no service-policy output {current}");
    }

    /// <summary>
    /// An interface came up: attach its configured output policy, and recompile the policies whose
    /// class maps match on it as an input interface (they could not know its uIDB before).
    /// </summary>
    private void ApplyServicePoliciesFor(FmanInterface itf)
    {
        var qos = State.Qos;
        var name = itf.Config.Name;
        var assignments = Recompile(qos, p =>
            qos.FindPolicyMap(p) is { } policy
            && policy.Classes.Any(c => qos.FindClassMap(c.Class) is { InputInterface: { } input } && string.Equals(input, name, StringComparison.OrdinalIgnoreCase)));
        if (itf.Config.ServicePolicyOutput is { } own && qos.FindPolicyMap(own) is not null && assignments.All(a => a.Index != itf.Index))
        {
            assignments.Add(new ServicePolicyAssignment(itf.Index, QosPolicyCompiler.ToDataPlane(qos, own, InterfaceIndex)));
        }
        if (assignments.Count > 0)
        {
            _qfpClient.Tell(new ApplyServicePolicies(assignments, Acknowledge: false));
        }
    }
}

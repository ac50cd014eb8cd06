using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Punt;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// The ARP commands: <c>arp ADDRESS MAC</c> and <c>no arp ADDRESS</c> change the running configuration
/// (FMAN, which validates against the interfaces) and then the ARP table (the ARP actor under the punt
/// service); <c>clear ip arp [ADDRESS]</c> only the table.
/// </summary>
public sealed partial class CommandRequestActor
{
    private ActorSelection ArpService => Context.ActorSelection(_supervisor.Path / PuntServiceActor.ChildName);

    private async Task<object> SetStaticArpAsync(SetStaticArpRequest m)
    {
        if (ParseArpAddress(m.Address, out var address) is { } refused)
        {
            return refused;
        }
        if (!MacText.TryParse(m.Mac, out var mac) || mac == 0 || MacText.IsMulticast(mac))
        {
            return new CommandRefused($"'{m.Mac}' is not a unicast MAC address (such as 02:00:00:00:00:20)");
        }
        var fman = (await ActorsAsync()).Fman;
        var answer = FromFman(await fman.Ask<object>(new SetStaticArp(new StaticArpEntry(address, mac)), AnswerTimeout));
        if (answer is CommandRefused)
        {
            return answer;
        }
        await ArpService.Ask<ArpChangeDone>(new SetStaticArpEntry(address, mac), AnswerTimeout);
        return answer;
    }

    private async Task<object> RemoveStaticArpAsync(RemoveStaticArpRequest m)
    {
        if (ParseArpAddress(m.Address, out var address) is { } refused)
        {
            return refused;
        }
        var fman = (await ActorsAsync()).Fman;
        var answer = FromFman(await fman.Ask<object>(new RemoveStaticArp(address), AnswerTimeout));
        if (answer is CommandRefused)
        {
            return answer;
        }
        await ArpService.Ask<ArpChangeDone>(new RemoveStaticArpEntry(address), AnswerTimeout);
        return answer;
    }

    private async Task<object> ClearIpArpAsync(ClearIpArpRequest m)
    {
        if (m.Address is null)
        {
            var all = await ArpService.Ask<ArpChangeDone>(ClearArpTable.Instance, AnswerTimeout);
            return new CommandDone($"cleared {all.Cleared} dynamic ARP entries; static entries stay");
        }
        if (ParseArpAddress(m.Address, out var address) is { } refused)
        {
            return refused;
        }
        var one = await ArpService.Ask<ArpChangeDone>(new ClearArpEntry(address), AnswerTimeout);
        return one.Cleared == 0
            ? new CommandRefused($"no dynamic ARP entry for {Ipv4Text.Format(address)} (static entries are removed with 'no arp')")
            : new CommandDone($"cleared the dynamic ARP entry for {Ipv4Text.Format(address)}");
    }

    private static CommandRefused? ParseArpAddress(string text, out uint address)
    {
        if (!Ipv4Rules.TryParseAddress(text, out address))
        {
            return new CommandRefused($"'{text}' is not an IPv4 address (A.B.C.D)");
        }
        return Ipv4Rules.WhyNotUnicast(address) is { } why ? new CommandRefused($"{text} {why}") : null;
    }
}

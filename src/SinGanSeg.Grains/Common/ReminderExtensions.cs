using Orleans.Runtime;

namespace SinGanSeg.Grains.Common;

public static class ReminderExtensions
{
    /// <summary>Unregisters the grain's reminder of that name, if it has one.</summary>
    public static async Task StopReminder(this Grain grain, string name)
    {
        var reminder = await grain.GetReminder(name);
        if (reminder is not null) await grain.UnregisterReminder(reminder);
    }
}

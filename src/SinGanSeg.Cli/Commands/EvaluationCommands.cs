using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SinGanSeg.Abstractions;
using SinGanSeg.Cli.Cluster;
using SinGanSeg.Cli.Output;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// singanseg evaluations list|show|watch|submit|cancel: a cluster's evaluations through its REST API,
/// with the cluster commands' --api, --api-key, --json and exit codes (<see cref="ClusterCommands.ApiOptions"/>).
/// </summary>
public static class EvaluationCommands
{
    public static Command Create() => new("evaluations", "A cluster's evaluations: list them, show or follow one, evaluate a finished job's dataset, cancel one.")
    {
        List(), Show(), Watch(), Submit(), Cancel(),
    };

    private static Option<string> EvaluationId() => new("--evaluation-id") { Description = "the evaluation's id", Required = true };

    private static Command List()
    {
        var api = new ClusterCommands.ApiOptions();
        var jobId = new Option<string?>("--job-id") { Description = "only this job's evaluations" };
        var command = api.Add(new Command("list", "List evaluations, newest first, with their job and phase.") { jobId });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var evaluations = await client.ListEvaluationsAsync(parse.GetValue(jobId), cancellation);
            if (json) JsonOutput.Write(evaluations);
            else
                foreach (var e in evaluations)
                    Console.WriteLine($"{e.EvaluationId}\t{e.CreatedAt:u}\t{e.Phase}\t{e.JobId ?? "-"}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var api = new ClusterCommands.ApiOptions();
        var id = EvaluationId();
        var command = api.Add(new Command("show", "Show an evaluation's runs and, once finished, its scores per model and training set.") { id });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var status = await client.GetEvaluationAsync(parse.GetValue(id)!, cancellation);
            if (json)
            {
                JsonOutput.Write(status);
                return ExitCodes.Ok;
            }
            EvaluationProgressView.PrintSummary(status);
            if (status.ReportPrefix is not null)
                Console.WriteLine($"report: {parse.GetValue(api.Api)!.AbsoluteUri.TrimEnd('/')}/api/evaluations/{status.EvaluationId}/report/report.md");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        var api = new ClusterCommands.ApiOptions();
        var id = EvaluationId();
        var command = api.Add(new Command("watch",
            "Follow an evaluation until it ends: a line per validation round and finished run, then its scores (exit 0 when every run is done, 5 when some failed or it was cancelled). With --json: a status line whenever it changes.")
            { id });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var evaluationId = parse.GetValue(id)!;
            if (json)
                return ExitCodes.ForEvaluation((await JsonOutput.Follow(ct => client.GetEvaluationAsync(evaluationId, ct), s => s.IsFinished, cancellation)).Phase);
            var status = await EvaluationProgressView.Follow(ct => client.GetEvaluationAsync(evaluationId, ct), cancellation);
            EvaluationProgressView.PrintSummary(status);
            if (status.ReportPrefix is not null)
                Console.WriteLine($"report: {parse.GetValue(api.Api)!.AbsoluteUri.TrimEnd('/')}/api/evaluations/{status.EvaluationId}/report/report.md");
            return ExitCodes.ForEvaluation(status.Phase);
        });
        return command;
    }

    private static Command Submit()
    {
        var api = new ClusterCommands.ApiOptions();
        var jobId = new Option<string>("--job-id") { Description = "the finished job whose dataset to evaluate", Required = true };
        var id = new Option<string?>("--evaluation-id") { Description = "evaluation id (default: derived from the job and the settings, so submitting again returns the same evaluation)" };
        var attempts = new Option<int?>("--max-attempts") { Description = "tries per run (default: the job's)" };
        var settings = new EvaluationOptionsCli();
        var command = api.Add(new Command("submit",
            "Evaluate a finished job's dataset on the cluster: segmenters trained on its real images versus its synthetic pairs (returns at once). Takes every setting `evaluate` takes.")
            { jobId, id, attempts });
        settings.AddTo(command);
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            // The API's body: the settings' fields, flat, with the job and the optional id.
            var body = JsonSerializer.SerializeToNode(settings.Read(parse), JobApiClient.Json)!.AsObject();
            body["jobId"] = parse.GetValue(jobId);
            body["evaluationId"] = parse.GetValue(id);
            body["maxAttempts"] = parse.GetValue(attempts);
            var status = await client.SubmitEvaluationAsync(body, cancellation);
            if (json) JsonOutput.Write(status);
            else Console.WriteLine($"evaluation {status.EvaluationId}: {status.Phase}, {status.Runs.Count} runs; follow it with 'singanseg evaluations watch --evaluation-id {status.EvaluationId}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cancel()
    {
        var api = new ClusterCommands.ApiOptions();
        var id = EvaluationId();
        var command = api.Add(new Command("cancel", "Cancel an evaluation; finished runs keep their scores, no report is written.") { id });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var status = await client.CancelEvaluationAsync(parse.GetValue(id)!, cancellation);
            if (json) JsonOutput.Write(status);
            else Console.WriteLine($"evaluation {status.EvaluationId}: {status.Phase} ({status.Runs.Count(r => r.Phase == EvaluationRunPhase.Done)} of {status.Runs.Count} runs had finished)");
            return ExitCodes.Ok;
        });
        return command;
    }
}

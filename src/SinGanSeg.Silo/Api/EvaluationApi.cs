using Microsoft.AspNetCore.StaticFiles;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// Evaluations as resources: list them, submit one against a finished job's dataset, follow it,
/// cancel it, and fetch its report (report.md, report.json or a chart). A job's own evaluate
/// stage starts one too; both kinds are listed and deleted with their job.
/// </summary>
public static class EvaluationApi
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        var evaluations = app.MapGroup("/api/evaluations").AddEndpointFilter(ProblemMapping.Filter).WithTags("Evaluations");

        // Newest first, a page at a time: { evaluations, continuation }, as GET /api/jobs pages jobs.
        evaluations.MapGet("/", async (IClusterClient client, int? limit, string? continuation, string? jobId) =>
                TypedResults.Ok(await EvaluationListings.List(client, Math.Clamp(limit ?? 100, 1, 1000), continuation,
                    jobId is null ? null : JobValidation.RequireSafeName(jobId, "jobId"))))
            .WithName("ListEvaluations")
            .WithSummary("List evaluations, newest first, a page at a time, each with its job, phase and creation time")
            .WithDescription("limit: at most this many (default 100, at most 1000); continuation: from the previous answer, for the next page (null after the oldest); jobId: only that job's evaluations.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        evaluations.MapPost("/", async (EvaluationSubmission submission, IClusterClient client) =>
        {
            var settings = submission.Settings();
            var status = await client.GetGrain<IJobCoordinatorGrain>(submission.JobId).Evaluate(submission.EvaluationId, settings, submission.MaxAttempts);
            return TypedResults.Accepted($"/api/evaluations/{status.EvaluationId}", status);
        })
        .WithName("SubmitEvaluation")
        .WithSummary("Evaluate a finished job's dataset: segmenters trained on its real images versus its synthetic pairs")
        .WithDescription("Submitting the same evaluation again returns its status; a different one under the same evaluationId is refused (409), as is a job that has not finished or was cancelled (409). Bad settings are a 400 naming the field.")
        .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        evaluations.MapGet("/{id}", async (string id, IClusterClient client) =>
        {
            return TypedResults.Ok(await client.GetGrain<IEvaluationCoordinatorGrain>(JobValidation.RequireSafeName(id, "evaluation id")).GetStatus());
        })
        .WithName("GetEvaluation")
        .WithSummary("An evaluation's runs (fold × training set) and, once done, its summary")
        .ProducesProblem(StatusCodes.Status404NotFound);

        evaluations.MapPost("/{id}/cancel", async (string id, IClusterClient client) =>
            TypedResults.Ok(await client.GetGrain<IEvaluationCoordinatorGrain>(JobValidation.RequireSafeName(id, "evaluation id")).Cancel()))
            .WithName("CancelEvaluation")
            .WithSummary("Stop an evaluation's runs; finished runs keep their scores, no report is written; a finished evaluation is left as it is")
            .ProducesProblem(StatusCodes.Status404NotFound);

        evaluations.MapGet("/{id}/report/{file}", async (string id, string file, IClusterClient client, IArtifactStore store) =>
        {
            JobValidation.RequireSafeName(id, "evaluation id");
            JobValidation.RequireSafeName(file, "report file");
            var status = await client.GetGrain<IEvaluationCoordinatorGrain>(id).GetStatus();
            if (status.ReportPrefix is null) throw new JobNotFinishedException($"evaluation '{id}' has no report yet ({status.Phase})");
            var stream = await store.OpenReadAsync(status.ReportPrefix + file) ?? throw new KeyNotFoundException($"evaluation '{id}' has no report file '{file}'");
            return TypedResults.Stream(stream, ContentTypes.TryGetContentType(file, out var type) ? type : "application/octet-stream");
        })
        .WithName("GetEvaluationReportFile")
        .WithSummary("A file of the finished evaluation's report: report.md, report.json, dice.svg, dice.png, small-data.svg or small-data.png")
        .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}

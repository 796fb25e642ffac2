using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// The API's machine-readable description at /openapi/v1.json (Microsoft.AspNetCore.OpenApi,
/// built from each route's TypedResults and Produces metadata) and the interactive reference at
/// /api/docs (Scalar). Neither is AllowAnonymous, so both sit behind the API's own authentication.
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";
    public const string ApiKeyScheme = "ApiKey";

    public static IServiceCollection AddSinGanSegOpenApi(this IServiceCollection services) => services.AddOpenApi("v1", o =>
    {
        // The API and the probes; the Orleans Dashboard's own endpoints are its page's internals.
        o.ShouldInclude = description => description.RelativePath is { } path && (path.StartsWith("api/", StringComparison.Ordinal) || path.StartsWith("health", StringComparison.Ordinal));
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "SinGanSeg API",
                Version = "v1",
                Description = "Submit image+mask datasets as jobs, follow them, download the synthetic datasets, models and evaluations. " +
                    "Errors are RFC 7807 problem details. Send an API key in the X-Api-Key header (or an OIDC bearer token) when the host requires authentication.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Api-Key",
                Description = "one of the host's Auth:ApiKeys",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] });
            return Task.CompletedTask;
        });
    });

    public static WebApplication MapSinGanSegOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("SinGanSeg API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            // No fonts from a CDN: hospital networks are often offline.
            .DisableDefaultFonts()
            .AddPreferredSecuritySchemes(ApiKeyScheme));
        return app;
    }
}

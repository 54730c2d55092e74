using Microsoft.Extensions.AI;

namespace DebertaGgml;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over <see cref="DebertaModel.Embed(IReadOnlyList{string}, EmbedOptions?, CancellationToken)"/>.
/// The generator does not own the model unless asked to.
/// </summary>
public sealed class DebertaEmbeddingGenerator(DebertaModel model, EmbedOptions? options = null, bool ownsModel = false)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    readonly DebertaModel _model = model ?? throw new ArgumentNullException(nameof(model));
    readonly EmbedOptions _options = options ?? new EmbedOptions();

    /// <summary>Provider "DebertaGgml", the model file, its name and the embedding width.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; } =
        new("DebertaGgml", new Uri(System.IO.Path.GetFullPath(model.Info.Path)), model.Info.Name, model.Info.HiddenSize);

    /// <summary>Embeds every value with the configured pooling.</summary>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
                                                                     CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int d && d != _model.Info.HiddenSize)
            throw new ArgumentException($"this model makes {_model.Info.HiddenSize}-dimensional embeddings, {d} were asked for", nameof(options));
        var texts = values.ToArray();
        // Inference is CPU-bound and synchronous; run it off the caller's thread.
        return Task.Run(() =>
        {
            var embedded = _model.Embed(texts, _options, cancellationToken);
            var created = DateTimeOffset.UtcNow;
            return new GeneratedEmbeddings<Embedding<float>>(embedded.Select(e => new Embedding<float>(e.Vector)
            {
                CreatedAt = created,
                ModelId = _model.Info.Name,
            }));
        }, cancellationToken);
    }

    /// <summary>The metadata, the model, or this generator for a matching unkeyed service type; else null.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey != null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return Metadata;
        if (serviceType == typeof(DebertaModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes the model when the generator owns it.</summary>
    public void Dispose()
    {
        if (ownsModel) _model.Dispose();
    }
}

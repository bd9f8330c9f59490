package dev.tribunal.judge;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Sentence embeddings computed in process with all-MiniLM-L6-v2 (shipped inside a Maven jar, so it
 * works offline). The model is loaded on first use, not at start.
 */
@ApplicationScoped
class SentenceEmbeddings {

    private volatile EmbeddingModel model;

    double cosineSimilarity(String a, String b) {
        float[] x = model().embed(a).content().vector();
        float[] y = model().embed(b).content().vector();
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < x.length; i++) {
            dot += x[i] * y[i];
            nx += x[i] * x[i];
            ny += y[i] * y[i];
        }
        return nx == 0 || ny == 0 ? 0 : dot / (Math.sqrt(nx) * Math.sqrt(ny));
    }

    private EmbeddingModel model() {
        EmbeddingModel loaded = model;
        if (loaded == null) {
            synchronized (this) {
                if (model == null) {
                    model = new AllMiniLmL6V2EmbeddingModel();
                }
                loaded = model;
            }
        }
        return loaded;
    }
}

package dev.tribunal.system;

import io.quarkus.qute.TemplateExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** What the pages' templates need beyond Qute's own: values put into links. */
@TemplateExtension
final class PageExtensions {

    private PageExtensions() {
    }

    /** The text as one part of a URL (a path segment or a query value): {@code {trace.traceId.urlEncoded}}. */
    static String urlEncoded(String text) {
        return text == null ? "" : URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

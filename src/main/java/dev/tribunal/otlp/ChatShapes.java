package dev.tribunal.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a person calls the request and the answer of a model call, read from the raw payloads instrumentations
 * record: a chat request ({@code {"model", "messages": [...], "temperature", ...}}) becomes its conversation,
 * {@code {"messages": [{"role", "content"}, ...]}} (the last user message being the question), and a chat completion
 * ({@code {"id", "choices": [{"message": ...}], "usage", ...}}), an OpenAI Responses object, an Anthropic message or
 * a GenAI output message list becomes the assistant's answer text, or its tool calls. Judges are sent these, not
 * the payloads' ids, token counts and settings; the raw values stay on the span.
 */
final class ChatShapes {

    private ChatShapes() {
    }

    /** The conversation a chat request or a message list holds; the value itself when it is neither. */
    static JsonNode request(JsonNode inputs) {
        if (inputs == null) {
            return null;
        }
        JsonNode messages = inputs.isObject() ? inputs.get("messages") : inputs;
        if (inputs.isObject() && messages == null && inputs.path("input").isArray()) {
            // OpenAI's Responses API: "input" is the message list (a plain string input is a question already)
            messages = inputs.get("input");
        }
        if (messages == null || !isMessageList(messages)) {
            if (inputs.isObject() && inputs.path("input").isTextual() && inputs.has("model")) {
                return conversation(OtlpAttributes.newArray().add(OtlpAttributes.newObject().put("role", "user")
                        .set("content", inputs.get("input"))));
            }
            return inputs;
        }
        ArrayNode all = (ArrayNode) messages;
        if (inputs.isObject() && inputs.path("system").isTextual()) {
            // Anthropic's Messages API keeps the system prompt beside the messages
            ArrayNode withSystem = OtlpAttributes.newArray();
            withSystem.addObject().put("role", "system").put("content", inputs.get("system").textValue());
            withSystem.addAll(all);
            all = withSystem;
        }
        return conversation(all);
    }

    /** The assistant's answer in a completion or an output message list; the value itself when it is neither. */
    static JsonNode response(JsonNode outputs) {
        if (outputs == null) {
            return null;
        }
        JsonNode message = null;
        if (outputs.isObject() && outputs.path("choices").isArray() && !outputs.path("choices").isEmpty()) {
            JsonNode choice = outputs.path("choices").get(0);
            // chat completions carry a message, text completions a text
            message = choice.has("message") ? choice.get("message") : choice.has("text") ? choice : null;
            if (message == null && choice.has("delta")) {
                message = choice.get("delta");
            }
        } else if (outputs.isObject() && outputs.path("output").isArray()
                && ("response".equals(outputs.path("object").asText()) || outputs.has("output_text"))) {
            return responsesOutput(outputs);
        } else if (outputs.isObject() && "message".equals(outputs.path("type").asText()) && outputs.path("content").isArray()) {
            message = outputs;
        } else if (isMessageList(outputs)) {
            // GenAI output messages, or the older indexed completions: the first assistant message
            for (JsonNode item : outputs) {
                if (!item.has("role") || "assistant".equals(item.path("role").asText())) {
                    message = item;
                    break;
                }
            }
        } else if (outputs.isObject() && outputs.has("role") && (outputs.has("content") || outputs.has("parts") || outputs.has("tool_calls"))) {
            message = outputs;
        }
        if (message == null) {
            return outputs;
        }
        JsonNode answer = answer(message);
        return answer == null ? outputs : answer;
    }

    /** Whether every item is a message object: a role with some content (or tool calls). */
    private static boolean isMessageList(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            return false;
        }
        for (JsonNode item : node) {
            if (!item.isObject() || !item.path("role").isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static ObjectNode conversation(ArrayNode messages) {
        ArrayNode simple = OtlpAttributes.newArray();
        for (JsonNode message : messages) {
            ObjectNode item = simple.addObject();
            item.put("role", message.path("role").asText());
            JsonNode content = content(message);
            if (content != null) {
                item.set("content", content);
            }
            JsonNode toolCalls = toolCalls(message);
            if (toolCalls != null) {
                item.set("tool_calls", toolCalls);
            }
            if (message.path("tool_call_id").isTextual()) {
                item.set("tool_call_id", message.get("tool_call_id"));
            }
            if (message.path("name").isTextual()) {
                item.set("name", message.get("name"));
            }
        }
        ObjectNode request = OtlpAttributes.newObject();
        request.set("messages", simple);
        return request;
    }

    /** An answer: its text; its tool calls (with any text beside them) when it called tools. */
    private static JsonNode answer(JsonNode message) {
        JsonNode content = content(message);
        JsonNode toolCalls = toolCalls(message);
        if (toolCalls == null) {
            return content;
        }
        ObjectNode answer = OtlpAttributes.newObject();
        if (content != null && !(content.isTextual() && content.textValue().isEmpty())) {
            answer.set("content", content);
        }
        answer.set("tool_calls", toolCalls);
        return answer;
    }

    /**
     * A message's content as text when it is text: a string, or parts that are all text (OpenAI's
     * {@code {"type": "text", "text"}}, Anthropic's, GenAI's {@code {"type": "text", "content"}}), joined; other
     * parts (images, files) are kept as they are. Null when the message has none.
     */
    private static JsonNode content(JsonNode message) {
        JsonNode content = message.has("content") ? message.get("content") : message.has("parts") ? message.get("parts")
                : message.get("text");
        if (content == null || content.isNull()) {
            return null;
        }
        if (!content.isArray()) {
            return content;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode kept = OtlpAttributes.newArray();
        boolean allText = true;
        for (JsonNode part : content) {
            String partText = partText(part);
            if (partText != null) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(partText);
                kept.add(OtlpAttributes.textNode(partText));
            } else if (!isToolPart(part)) {
                allText = false;
                kept.add(part);
            }
        }
        if (allText) {
            return text.isEmpty() && content.isEmpty() ? OtlpAttributes.textNode("") : text.isEmpty() ? null : OtlpAttributes.textNode(text.toString());
        }
        return kept;
    }

    private static String partText(JsonNode part) {
        if (part.isTextual()) {
            return part.textValue();
        }
        String type = part.path("type").asText("text");
        if (!type.equals("text") && !type.equals("output_text") && !type.equals("input_text")) {
            return null;
        }
        if (part.path("text").isTextual()) {
            return part.get("text").textValue();
        }
        return part.path("content").isTextual() ? part.get("content").textValue() : null;
    }

    private static boolean isToolPart(JsonNode part) {
        String type = part.path("type").asText("");
        return type.equals("tool_call") || type.equals("tool_use") || type.equals("function_call");
    }

    /** The calls a message makes: OpenAI's {@code tool_calls}, or tool-call parts (GenAI, Anthropic), as name and arguments. */
    private static JsonNode toolCalls(JsonNode message) {
        ArrayNode calls = OtlpAttributes.newArray();
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.has("function") ? call.get("function") : call;
            calls.add(call(call.get("id"), function.get("name"), function.get("arguments")));
        }
        JsonNode parts = message.has("parts") ? message.get("parts") : message.get("content");
        if (parts != null && parts.isArray()) {
            for (JsonNode part : parts) {
                if (isToolPart(part)) {
                    calls.add(call(part.get("id"), part.get("name"), part.has("arguments") ? part.get("arguments") : part.get("input")));
                }
            }
        }
        return calls.isEmpty() ? null : calls;
    }

    private static ObjectNode call(JsonNode id, JsonNode name, JsonNode arguments) {
        ObjectNode call = OtlpAttributes.newObject();
        if (id != null && id.isTextual()) {
            call.set("id", id);
        }
        if (name != null) {
            call.set("name", name);
        }
        if (arguments != null) {
            // OpenAI sends arguments as JSON text
            call.set("arguments", OtlpAttributes.parsed(arguments));
        }
        return call;
    }

    /** OpenAI's Responses API: the text of its output messages, or its function calls. */
    private static JsonNode responsesOutput(JsonNode response) {
        StringBuilder text = new StringBuilder();
        ArrayNode calls = OtlpAttributes.newArray();
        for (JsonNode item : response.path("output")) {
            String type = item.path("type").asText();
            if (type.equals("message")) {
                JsonNode content = content(item);
                if (content != null && content.isTextual()) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(content.textValue());
                }
            } else if (type.equals("function_call")) {
                calls.add(call(item.has("call_id") ? item.get("call_id") : item.get("id"), item.get("name"), item.get("arguments")));
            }
        }
        if (calls.isEmpty()) {
            return text.isEmpty() ? response : OtlpAttributes.textNode(text.toString());
        }
        ObjectNode answer = OtlpAttributes.newObject();
        if (!text.isEmpty()) {
            answer.put("content", text.toString());
        }
        answer.set("tool_calls", calls);
        return answer;
    }
}

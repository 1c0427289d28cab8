import type { ChatCompletionBody, CompletionBody } from "../openai/request-schemas.js";

/** The text the simulated model reads: chat messages flattened the way a chat template would. */
export function chatPromptText(messages: ChatCompletionBody["messages"]): string {
  return messages.map((message) => `${message.role}: ${contentText(message.content)}`).join("\n");
}

export function completionPromptText(prompt: CompletionBody["prompt"]): string {
  // The schema allows one string in an array, as OpenAI does.
  return typeof prompt === "string" ? prompt : prompt.join("");
}

function contentText(content: ChatCompletionBody["messages"][number]["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
}

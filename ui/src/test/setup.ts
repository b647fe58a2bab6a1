import { cleanup } from "@testing-library/preact";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";
import { confirmRequest } from "../lib/confirm";
import { toasts } from "../lib/toast";

afterEach(() => {
  cleanup();
  clearMocks();
  // App-wide stores outlive a test's render: start each test without notices.
  toasts.set([]);
  confirmRequest.set(null);
});

package dev.tribunal.llm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefusalsTest {

    private final List<String> counted = new ArrayList<>();
    private final Refusals refusals = new Refusals("acme", false, counted::add);

    private static ErrorCode code(Optional<LlmResult> result) {
        return ((LlmResult.Failed) result.orElseThrow()).code();
    }

    @Test
    void callsOfOtherRunsGo() {
        refusals.cancel("run-1");
        refusals.refuseCredentials("run-2");

        assertEquals(Optional.empty(), refusals.beforeFirstAttempt("run-3"));
        assertEquals(Optional.empty(), refusals.beforeFirstAttempt(null));
        assertEquals(Optional.empty(), refusals.beforeAttempt("run-2", 1, 0), "the credentials are only checked before the first attempt");
        assertTrue(counted.isEmpty());
    }

    @Test
    void aCancelledRunsCallsDoNotGo() {
        refusals.cancel("run-1");

        assertEquals(ErrorCode.CANCELLED, code(refusals.beforeFirstAttempt("run-1")));
        LlmResult later = refusals.beforeAttempt("run-1", 2, 1_500).orElseThrow();
        assertEquals(2, later.attempts());
        assertEquals(1_500, later.latencyMs());
        assertEquals(List.of("cancelled", "cancelled"), counted);
    }

    @Test
    void aStoppingProcessSendsNothingMoreWhateverTheRun() {
        refusals.cancel("run-1");
        refusals.stopSending();

        assertEquals(ErrorCode.SHUTTING_DOWN, code(refusals.beforeFirstAttempt("run-1")), "its task goes back, not cancelled");
        assertEquals(ErrorCode.SHUTTING_DOWN, code(refusals.beforeAttempt(null, 1, 0)));
    }

    @Test
    void aRunWhoseCredentialsWereRefusedFailsFast() {
        refusals.refuseCredentials("run-1");
        refusals.refuseCredentials(null);

        LlmResult.Failed failed = (LlmResult.Failed) refusals.beforeFirstAttempt("run-1").orElseThrow();
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, failed.code());
        assertTrue(failed.message().contains("rejected the credentials earlier in this run"), failed.message());
        assertEquals(List.of("auth_fail_fast"), counted);
    }

    @Test
    void aProviderWithoutTheKeyItNeedsIsNotCalled() {
        List<String> outcomes = new ArrayList<>();
        LlmResult.Failed failed = (LlmResult.Failed) new Refusals("openai", true, outcomes::add).beforeFirstAttempt("run-1").orElseThrow();

        assertEquals(ErrorCode.AUTHENTICATION_FAILED, failed.code());
        assertTrue(failed.message().contains("set tribunal.providers.openai.api-key (or OPENAI_API_KEY)"), failed.message());
        assertEquals(List.of("no_api_key"), outcomes);
    }

    @Test
    void atMostAThousandRunsAreRemembered() {
        for (int run = 0; run < 5_000; run++) {
            refusals.cancel("run-" + run);
        }
        int remembered = 0;
        for (int run = 0; run < 5_000; run++) {
            remembered += refusals.beforeAttempt("run-" + run, 0, 0).isPresent() ? 1 : 0;
        }

        assertTrue(remembered <= 1_000, remembered + " runs remembered");
        assertTrue(remembered >= 900, "the bound is not far below a thousand: " + remembered);
    }
}

package dev.tribunal.llm;

import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.FaultTolerance;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.faulttolerance.api.Spi;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.faulttolerance.apiimpl.BasicCircuitBreakerMaintenanceImpl;
import io.smallrye.faulttolerance.apiimpl.BuilderEagerDependencies;
import io.smallrye.faulttolerance.apiimpl.BuilderLazyDependencies;
import io.smallrye.faulttolerance.apiimpl.GuardImpl;
import io.smallrye.faulttolerance.core.event.loop.EventLoop;
import io.smallrye.faulttolerance.core.metrics.MetricsProvider;
import io.smallrye.faulttolerance.core.metrics.MetricsRecorder;
import io.smallrye.faulttolerance.core.timer.ThreadTimer;
import io.smallrye.faulttolerance.core.timer.Timer;

import java.lang.reflect.Type;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * SmallRye Fault Tolerance's programmatic API ({@link Guard}) for tests that start no Quarkus: in the application it
 * is backed by CDI, which wins over this one (a higher priority) wherever CDI runs.
 */
public final class StandaloneFaultTolerance implements Spi {

    private static final BasicCircuitBreakerMaintenanceImpl MAINTENANCE = new BasicCircuitBreakerMaintenanceImpl();
    private static final BuilderEagerDependencies EAGER = () -> MAINTENANCE;
    private static final BuilderLazyDependencies LAZY = new BuilderLazyDependencies() {
        private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "test-fault-tolerance");
            thread.setDaemon(true);
            return thread;
        });
        private final Timer timer = new ThreadTimer(executor);

        @Override
        public boolean ftEnabled() {
            return true;
        }

        @Override
        public ExecutorService asyncExecutor() {
            return executor;
        }

        @Override
        public EventLoop eventLoop() {
            return () -> null;
        }

        @Override
        public Timer timer() {
            return timer;
        }

        @Override
        public MetricsProvider metricsProvider() {
            return new MetricsProvider() {
                @Override
                public boolean isEnabled() {
                    return false;
                }

                @Override
                public MetricsRecorder create(io.smallrye.faulttolerance.core.metrics.MeteredOperation operation) {
                    return MetricsRecorder.NOOP;
                }
            };
        }
    };

    @Override
    public boolean applies() {
        return true;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Guard.Builder newGuardBuilder() {
        return new GuardImpl.BuilderImpl(EAGER, () -> LAZY);
    }

    @Override
    public <T> TypedGuard.Builder<T> newTypedGuardBuilder(Type type) {
        throw new UnsupportedOperationException("only Guard");
    }

    @Override
    public <T, R> FaultTolerance.Builder<T, R> newBuilder(Function<FaultTolerance<T>, R> finisher) {
        throw new UnsupportedOperationException("only Guard");
    }

    @Override
    public <T, R> FaultTolerance.Builder<T, R> newAsyncBuilder(Class<?> asyncType, Function<FaultTolerance<T>, R> finisher) {
        throw new UnsupportedOperationException("only Guard");
    }

    @Override
    public CircuitBreakerMaintenance circuitBreakerMaintenance() {
        return MAINTENANCE;
    }
}

package dev.tern.service;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Says in Tern's log what the cluster does: members joining, up, leaving, removed, and nodes that stop or start
 * answering. Pekko's own log is kept at WARN, and an operator wants to read which node was downed and when.
 */
final class ClusterEvents extends AbstractBehavior<ClusterEvents.Command> {

    sealed interface Command {
    }

    private record Membership(ClusterEvent.MemberEvent event) implements Command {
    }

    private record Reachability(ClusterEvent.ReachabilityEvent event) implements Command {
    }

    private ClusterEvents(ActorContext<Command> context) {
        super(context);
        Cluster cluster = Cluster.get(context.getSystem());
        cluster.subscriptions().tell(Subscribe.create(
                context.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new), ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(
                context.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reachability::new),
                ClusterEvent.ReachabilityEvent.class));
    }

    static Behavior<Command> create() {
        return Behaviors.setup(ClusterEvents::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Membership.class, membership -> {
                    ClusterEvent.MemberEvent event = membership.event();
                    getContext().getLog().info("cluster: member {} is {}", event.member().address(),
                            event.member().status());
                    return this;
                })
                .onMessage(Reachability.class, reachability -> {
                    ClusterEvent.ReachabilityEvent event = reachability.event();
                    getContext().getLog().warn("cluster: member {} is {}", event.member().address(),
                            event instanceof ClusterEvent.UnreachableMember ? "unreachable" : "reachable again");
                    return this;
                })
                .build();
    }
}

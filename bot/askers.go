package bot

import (
	"context"

	"go.uber.org/zap"
)

// mayAsk reports whether the person behind j may ask the bot (Askers).
// Someone who may not is told once per thread, politely, and nothing is
// read from the cluster. A user group Slack cannot read fails closed.
func (b *Bot) mayAsk(ctx context.Context, key string, j job) bool {
	if b.askers.empty() {
		return true
	}
	ok, err := b.askers.Allowed(ctx, j.user)
	if ok {
		return true
	}
	msg := "Sorry, I only answer the people an admin has listed (KUBERTNETES_ASKERS), so I have not looked. Ask one of them, or an admin to add you."
	if err != nil {
		b.log.Warn("check asker", zap.String("user", j.user), zap.Error(err))
		msg = "Sorry, I could not check whether you may ask me (a user group could not be read), so I have not looked. Try again in a minute."
	}
	if first, serr := b.store.MarkSeen(ctx, "refused/"+key+"/"+j.user); serr == nil && first {
		b.reply(ctx, j.channel, j.root, msg)
	}
	return false
}

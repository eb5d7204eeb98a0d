import json, sys
rounds = [json.loads(l) for l in open(sys.argv[1]) if '"event":"round"' in l]
lr = [r["learning_rate"] for r in rounds]
i = next(k for k in range(1, len(lr)) if lr[k] < lr[k - 1])
before = [r["loss"] for r in rounds[i - 5:i]]; after = [r["loss"] for r in rounds[i:i + 5]]
print("drop at round", i, "lr", lr[i-1], "->", lr[i])
print("before", " ".join("%.3f" % x for x in before), "mean %.3f" % (sum(before) / 5))
print("after ", " ".join("%.3f" % x for x in after), "mean %.3f" % (sum(after) / 5))
print("after - before: %+.3f" % (sum(after) / 5 - sum(before) / 5))

/*
 * engine/pool.h: the warm pool and the provisioned pool of execution
 * environments, two lists under one mutex. The invoker takes and gives
 * back; the provisioner adopts, counts and retires; the background task
 * reaps.
 */
#include "engine/pool.h"
#include "engine/spawn.h"
#include "base/util.h"
#include "runtime/env.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An environment kept for reuse. */
struct pooled {
    char key[POOL_KEY_MAX];
    char stream[SPAWN_STREAM_MAX]; /* its CloudWatch log stream */
    struct env *env;
    int64_t last_used_ms;    /* warm pool: when it was last given back */
    int busy;                /* provisioned pool: handed out by pool_pc_take */
    struct pooled *next;
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pooled *idle;     /* the warm pool, under pool_mu */
static struct pooled *pcenvs;   /* the provisioned pool, under pool_mu */

static struct pooled *pooled_new(const char *key, const char *stream, struct env *env) {
    struct pooled *p = xcalloc(1, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "%s", key);
    snprintf(p->stream, sizeof(p->stream), "%s", stream);
    p->env = env;
    return p;
}

/* Stops and frees every environment of LIST (unlinked, pool_mu not held:
 * stopping one waits for its process). */
static void pooled_free_all(struct pooled *list) {
    while (list) {
        struct pooled *n = list->next;
        env_free(list->env);
        free(list);
        list = n;
    }
}

/* Unlinks and returns every entry of *LIST (pool_mu held). */
static struct pooled *unlink_all(struct pooled **list) {
    struct pooled *all = *list;
    *list = NULL;
    return all;
}

/* ---- the warm pool ---- */

size_t pool_key(char key[POOL_KEY_MAX], const char *account, const char *region,
                const char *name, const char *version, const char *rev) {
    int np = snprintf(key, POOL_KEY_MAX, "%s|%s|%s|%s|", account, region, name, version);
    size_t nprefix = np < POOL_KEY_MAX ? (size_t)np : POOL_KEY_MAX - 1;
    snprintf(key + nprefix, POOL_KEY_MAX - nprefix, "%s", rev ? rev : "");
    return nprefix;
}

struct env *pool_take(const char *key, size_t nprefix, char *stream, size_t nstream) {
    struct env *found = NULL;
    struct pooled *retired = NULL;
    pthread_mutex_lock(&pool_mu);
    struct pooled **pp = &idle;
    while (*pp) {
        struct pooled *p = *pp;
        int alive = env_alive(p->env);
        int same = strcmp(p->key, key) == 0;
        int stale = !same && strncmp(p->key, key, nprefix) == 0;
        if (same && found == NULL && alive) {
            *pp = p->next;
            found = p->env;
            snprintf(stream, nstream, "%s", p->stream);
            free(p);
            continue;
        }
        if (stale || !alive) {
            *pp = p->next;
            p->next = retired;
            retired = p;
            continue;
        }
        pp = &p->next;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(retired);
    return found;
}

void pool_put(const char *key, const char *stream, struct env *env) {
    struct pooled *p = pooled_new(key, stream, env);
    p->last_used_ms = util_wall_ms();
    pthread_mutex_lock(&pool_mu);
    p->next = idle;
    idle = p;
    pthread_mutex_unlock(&pool_mu);
}

void pool_reap(int64_t before_ms) {
    struct pooled *dead = NULL;
    pthread_mutex_lock(&pool_mu);
    struct pooled **pp = &idle;
    while (*pp) {
        struct pooled *p = *pp;
        if (p->last_used_ms < before_ms || !env_alive(p->env)) {
            *pp = p->next;
            p->next = dead;
            dead = p;
            continue;
        }
        pp = &p->next;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(dead);
}

void pool_drain(void) {
    pthread_mutex_lock(&pool_mu);
    struct pooled *all = unlink_all(&idle);
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(all);
}

/* ---- the provisioned pool ---- */

void pool_pc_key(char key[POOL_KEY_MAX], const char *account, const char *region,
                 const char *name, const char *qualifier, const char *version, const char *rev) {
    snprintf(key, POOL_KEY_MAX, "%s|%s|%s|%s|%s|%s", account, region, name, qualifier, version,
             rev ? rev : "");
}

struct env *pool_pc_take(const char *key, char *stream, size_t nstream) {
    struct env *found = NULL;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled *p = pcenvs; p; p = p->next) {
        if (!p->busy && strcmp(p->key, key) == 0 && env_alive(p->env)) {
            p->busy = 1;
            found = p->env;
            snprintf(stream, nstream, "%s", p->stream);
            break;
        }
    }
    pthread_mutex_unlock(&pool_mu);
    return found;
}

void pool_pc_give_back(struct env *env) {
    struct pooled *dead = NULL;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled **pp = &pcenvs; *pp; pp = &(*pp)->next) {
        struct pooled *p = *pp;
        if (p->env != env) continue;
        assert(p->busy);
        if (env_alive(env)) {
            p->busy = 0;
        } else {
            *pp = p->next;
            p->next = NULL;
            dead = p;
        }
        break;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(dead);
}

void pool_pc_adopt(const char *key, const char *stream, struct env *env) {
    if (!env_alive(env)) {
        env_free(env);
        return;
    }
    struct pooled *p = pooled_new(key, stream, env);
    pthread_mutex_lock(&pool_mu);
    p->next = pcenvs;
    pcenvs = p;
    pthread_mutex_unlock(&pool_mu);
}

int pool_pc_count(const char *key) {
    int n = 0;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled *p = pcenvs; p; p = p->next)
        n += key == NULL || (strcmp(p->key, key) == 0 && env_alive(p->env));
    pthread_mutex_unlock(&pool_mu);
    return n;
}

void pool_pc_retire(int (*want)(void *ctx, const char *key), void *ctx) {
    struct pooled *retired = NULL;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled **pp = &pcenvs; *pp;) {
        struct pooled *p = *pp;
        int have_before = 0;
        for (struct pooled *q = pcenvs; q != p; q = q->next) have_before += strcmp(q->key, p->key) == 0;
        if (!p->busy && (have_before >= want(ctx, p->key) || !env_alive(p->env))) {
            *pp = p->next;
            p->next = retired;
            retired = p;
            continue;
        }
        pp = &p->next;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(retired);
}

void pool_pc_drain(void) {
    pthread_mutex_lock(&pool_mu);
    struct pooled *all = unlink_all(&pcenvs);
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(all);
}

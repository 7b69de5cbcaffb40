# One image for both processes: `toolgate` (gateway) and `toolgate worker`.
# Node 24: the LTS line with the longest support left (package.json "engines" allows 22.15 and later).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY config ./config
COPY plugins ./plugins

USER node
EXPOSE 4000
ENTRYPOINT ["node", "bin/toolgate.js"]
CMD ["--config", "config/config.yaml"]
